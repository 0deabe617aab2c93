"""Working-day arithmetic under the 2026 State Council schedule, make-up days, and a year the package lacks."""

from datetime import date

import pytest

from crm.extensions import db
from crm.plans.calendar import PROVISIONAL, WorkCalendar
from crm.plans.models import Holiday


@pytest.fixture
def cal(app) -> WorkCalendar:
    return WorkCalendar.load()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),  # 国庆
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, make-up working day
        (date(2026, 9, 20), True),  # Sunday, make-up working day
        (date(2026, 2, 14), True),  # Saturday before 春节, make-up
        (date(2026, 2, 16), False),  # 春节 Monday
        (date(2026, 5, 9), True),  # Saturday after 劳动节, make-up
        (date(2026, 6, 19), False),  # 端午
        (date(2026, 3, 7), False),  # an ordinary Saturday
    ],
)
def test_2026_schedule(cal, day, working):
    assert cal.is_workday(day) is working


def test_adding_working_days_across_national_day(cal):
    assert cal.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)  # the make-up Saturday counts
    assert cal.add_workdays(date(2026, 10, 9), 2) == date(2026, 10, 12)  # Sat 10/10 then Mon 10/12
    assert cal.add_workdays(date(2026, 10, 3), 0) == date(
        2026, 10, 8
    )  # a holiday rolls to the next working day
    assert cal.add_workdays(date(2026, 10, 8), -1) == date(2026, 9, 30)


def test_working_days_between(cal):
    assert cal.workdays_between(date(2026, 9, 30), date(2026, 10, 12)) == 4  # 10/8, 10/9, 10/10, 10/12
    assert cal.workdays_between(date(2026, 10, 12), date(2026, 9, 30)) == -4
    assert cal.workdays_between(date(2026, 3, 2), date(2026, 3, 2)) == 0


def test_uncovered_year_is_provisional_with_its_statutory_holidays(cal):
    assert not cal.covered(2027)
    assert cal.source(date(2027, 1, 1)) == PROVISIONAL
    assert cal.is_workday(date(2027, 1, 1)) is False  # 元旦, a Friday: the law needs no notice
    assert cal.is_workday(date(2027, 1, 4)) is True
    assert cal.is_workday(date(2027, 1, 2)) is False
    assert 2027 in cal.uncovered
    assert cal.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_holiday_table_overrides_but_one_date_does_not_confirm_a_year(app):
    db.session.add_all([
        Holiday(day=date(2027, 1, 1), name="元旦", is_workday=False),
        Holiday(day=date(2027, 1, 9), name="元旦调休", is_workday=True),
    ])  # fmt: skip
    db.session.commit()
    cal = WorkCalendar.load()
    assert not cal.covered(2027)  # one date entered is not the year's notice
    assert cal.source(date(2027, 3, 1)) == PROVISIONAL
    assert cal.is_workday(date(2027, 1, 1)) is False
    assert cal.is_workday(date(2027, 1, 9)) is True  # a Saturday made a working day
    assert cal.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert 2027 in cal.uncovered


def test_admin_sees_a_warning_for_a_year_without_data(client, make_user, login):
    login(make_user("admin"))
    page = client.get("/plans/holidays").data.decode()
    assert 'data-testid="calendar-warning"' in page and "2027" in page
    response = client.post("/plans/holidays", data={"day": "2027-02-06", "name": "春节", "is_workday": ""})
    assert response.status_code == 302
    assert db.session.get(Holiday, date(2027, 2, 6)).is_workday is False


def test_the_package_answer_is_chinese_calendars_for_every_day_it_covers():
    """package_workday reads chinese-calendar's tables directly (its is_workday checks the year range on every
    call, which made a project light's cutoffs cost 16 ms); the answers must be the same, 调休 days included."""
    import chinese_calendar

    from crm.plans.calendar import package_workday

    first, last = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
    day, checked = date(first, 1, 1), 0
    while day.year <= last:
        assert package_workday(day) == chinese_calendar.is_workday(day), day
        day, checked = day.fromordinal(day.toordinal() + 1), checked + 1
    assert checked > 365 * 10
    assert package_workday(date(2026, 2, 14)) and not package_workday(date(2026, 10, 1))  # a make-up Saturday


def test_wtforms_messages_come_in_chinese_from_one_catalogue(app):
    from flask_wtf import FlaskForm
    from wtforms import StringField
    from wtforms.validators import DataRequired

    from crm.formbase import Form, wtforms_translations

    class Probe(Form):
        class Meta:
            csrf = False

        name = StringField(validators=[DataRequired()])

    with app.test_request_context(method="POST", data={}):
        form = Probe()
        assert not form.validate()
        assert "必填" in form.name.errors[0]
        assert isinstance(form, FlaskForm)
        assert wtforms_translations("zh_Hans_CN") is wtforms_translations("zh_Hans_CN")


def _walked(cal: WorkCalendar, start: date, end: date) -> int:
    """Working days after `start` up to `end`, one day at a time (what workdays_between counted before)."""
    from datetime import timedelta

    if end < start:
        return -_walked(cal, end, start)
    return sum(cal.is_workday(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


def test_counting_working_days_agrees_with_walking_them(app):
    """workdays_between is a difference of running counts; it must agree with walking the days one by one, across
    package years, a provisional year with the table's corrections, year ends and in both directions."""
    import random
    from datetime import timedelta

    db.session.add_all([Holiday(day=date(2027, 2, 20), is_workday=True, name="调休上班"),
                        Holiday(day=date(2027, 5, 6), is_workday=False, name="补假")])  # fmt: skip
    db.session.commit()
    counted, walked = WorkCalendar.load(), WorkCalendar.load()
    rng = random.Random(16)
    base = date(2024, 1, 1)
    pairs = [(base + timedelta(days=rng.randrange(1600)), base + timedelta(days=rng.randrange(1600)))
             for _ in range(400)]  # fmt: skip
    pairs += [(date(2026, 12, 31), date(2027, 1, 1)), (date(2027, 2, 19), date(2027, 2, 20)),
              (date(2027, 5, 5), date(2027, 5, 6)), (date(2028, 2, 28), date(2028, 3, 1)), (base, base)]  # fmt: skip
    for start, end in pairs:
        assert counted.workdays_between(start, end) == _walked(walked, start, end), (start, end)
    assert counted.uncovered == walked.uncovered  # the same years reported as answered provisionally


def test_a_year_counted_across_is_not_reported_as_asked(app):
    """Counting inside 2026 and inside 2028 works 2027 out for the offsets, but nothing about 2027 was asked."""
    cal = WorkCalendar.load()
    cal.workdays_between(date(2028, 3, 1), date(2028, 3, 9))
    cal.workdays_between(date(2026, 3, 2), date(2026, 3, 9))
    assert 2027 not in cal.uncovered and 2028 in cal.uncovered
    assert cal.is_workday(date(2027, 3, 1))  # now it is asked (and answered from what was worked out)
    assert 2027 in cal.uncovered
