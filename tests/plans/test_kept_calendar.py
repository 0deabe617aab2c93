"""A web process keeps the holiday table and the settings as it read them (REFDATA_CACHE_SECONDS, like the other
reference data): each request reuses them without a statement, and a write in this process is seen at once."""

from datetime import date

import pytest

from crm import settings
from crm.extensions import db
from crm.plans import calendar
from crm.plans.calendar import request_calendar
from crm.plans.models import Holiday
from tests.test_query_counts import count_queries

MONDAY = date(2030, 5, 6)  # a working Monday of a year the package does not cover


@pytest.fixture
def keeping(app, monkeypatch):
    monkeypatch.setitem(app.config, "REFDATA_CACHE_SECONDS", 60)
    calendar._kept.forget()
    settings._kept.forget()
    yield
    calendar._kept.forget()
    settings._kept.forget()


def reads(statements: list[str], table: str) -> int:
    return sum(1 for s in statements if f"FROM {table}" in s)


def test_the_holiday_table_is_read_once_and_again_after_a_write(app, keeping):
    with app.test_request_context():
        assert request_calendar().is_workday(MONDAY)
    with app.test_request_context(), count_queries() as statements:
        cal = request_calendar()
        assert cal.is_workday(MONDAY) and cal.add_workdays(MONDAY, 5) == date(2030, 5, 13)
    assert reads(statements, "holidays") == 0 and reads(statements, "holiday_years") == 0
    db.session.add(Holiday(day=MONDAY, name="测试休息日", is_workday=False))
    db.session.commit()
    with app.test_request_context():
        assert not request_calendar().is_workday(MONDAY)  # this process wrote it: read again at once


def test_without_keeping_each_request_reads_the_table(app, monkeypatch):
    monkeypatch.setitem(app.config, "REFDATA_CACHE_SECONDS", 0)
    for _ in range(2):
        with app.test_request_context(), count_queries() as statements:
            request_calendar().is_workday(MONDAY)
        assert reads(statements, "holidays") == 1


def test_settings_are_kept_and_a_change_is_seen_at_once(app, keeping):
    with app.test_request_context():
        before = settings.get_int("light_yellow_overdue")
    with app.test_request_context(), count_queries() as statements:
        assert settings.get_int("light_yellow_overdue") == before
    assert reads(statements, "settings") == 0
    with app.test_request_context():
        settings.set_setting("light_yellow_overdue", str(before + 1))
        db.session.commit()
    with app.test_request_context():
        assert settings.get_int("light_yellow_overdue") == before + 1
