"""Report editions: built on the right morning, once per kind, scope and period whoever runs the pass and how
often, kept in the archive, sent to their readers (the email with the file attached), rebuilt by a manager."""

import threading
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from io import BytesIO

import pytest
from docx import Document
from sqlalchemy import func, select

from crm.extensions import db
from crm.plans.calendar import WorkCalendar
from crm.reminders.delivery import deliver
from crm.reminders.models import Notification
from crm.reports import document, editions
from crm.reports.content import MONTHLY, WEEKLY
from crm.reports.models import ReportEdition
from crm.vocab import Role
from tests.conftest import region

MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 08:00 in Beijing


def editions_by_scope() -> dict[str, ReportEdition]:
    return {e.scope: e for e in db.session.scalars(select(ReportEdition).where(ReportEdition.kind == WEEKLY))}


def test_each_edition_comes_on_its_morning_or_the_next_working_day(app):
    cal = WorkCalendar.load()
    assert editions.publication_day(WEEKLY, date(2026, 11, 25), cal) == date(
        2026, 11, 23
    )  # that week's Monday
    assert editions.publication_day(MONTHLY, date(2026, 12, 15), cal) == date(2026, 12, 1)
    assert editions.publication_day(MONTHLY, date(2026, 11, 20), cal) == date(
        2026, 11, 2
    )  # the 1st is a Sunday
    # 2026-10-01 to 10-07 are the National Day holidays: October's monthly edition and the holiday week's weekly
    # one both come on Thursday 10-08, the first working day; nothing is due before it.
    assert editions.publication_day(WEEKLY, date(2026, 10, 6), cal) == date(2026, 10, 8)
    assert editions.due_kinds(date(2026, 10, 6), cal) == []
    assert editions.due_kinds(date(2026, 10, 8), cal) == [WEEKLY, MONTHLY]
    # 2027 is not in the holiday package: its statutory 春节 days (除夕 02-05 to 初三 02-08) still move Monday's
    # edition to Tuesday.
    assert editions.publication_day(WEEKLY, date(2027, 2, 10), cal) == date(2027, 2, 9)


def test_a_scheduler_down_on_monday_builds_the_edition_when_it_runs_again(app, world):
    tuesday = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    assert "weekly: " in editions.run(tuesday)
    city = editions_by_scope()["city"]
    assert (city.period_start, city.period_end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert "weekly: 0 built" in editions.run(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # the next hour's pass


def test_a_pass_builds_each_scope_once_and_sends_it_to_its_readers(app, world):
    p, _teams, _entries = world
    p["manager"].email = "manager@example.cn"
    db.session.commit()
    first = editions.publish(WEEKLY, MONDAY, NOW)
    by_scope = editions_by_scope()
    heads = {u.region_id for u in (p["head"], p["other_head"])}
    assert set(by_scope) == {"city"} | {f"county:{r}" for r in heads}
    assert first.built == len(by_scope) and first.existing == 0
    edition = by_scope["city"]
    assert (edition.period_start, edition.period_end) == (date(2026, 11, 16), date(2026, 11, 22))
    Document(BytesIO(edition.docx))  # a readable Word file
    # The city's edition reaches every manager (inbox; email where there is an address), a county's its heads.
    sent = {(n.user_id, n.channel) for n in db.session.scalars(select(Notification).where(
        Notification.report_edition_id == edition.id))}  # fmt: skip
    managers = {u.id for u in (p["manager"],)}
    assert {(m, "inbox") for m in managers} | {(p["manager"].id, "email")} <= sent
    assert all(n.user_id != p["head"].id for n in db.session.scalars(
        select(Notification).where(Notification.report_edition_id == edition.id)))  # fmt: skip
    county = by_scope[f"county:{p['head'].region_id}"]
    to_county = {n.user_id for n in db.session.scalars(select(Notification).where(
        Notification.report_edition_id == county.id))}  # fmt: skip
    assert to_county == {p["head"].id}

    again = editions.publish(WEEKLY, MONDAY, NOW)  # a restart, a second run of the morning's pass
    assert again.built == 0 and again.existing == len(by_scope)
    assert db.session.scalar(select(func.count()).select_from(ReportEdition)) == len(by_scope)


def test_two_schedulers_at_once_build_each_edition_once(app, world):
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            with app.app_context():
                editions.publish(WEEKLY, MONDAY, NOW)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    db.session.expire_all()
    scopes = db.session.execute(select(ReportEdition.scope, func.count()).group_by(ReportEdition.scope)).all()
    assert scopes and all(n == 1 for _scope, n in scopes)
    keys = db.session.execute(
        select(Notification.dedupe_key, func.count())
        .group_by(Notification.dedupe_key)
        .having(func.count() > 1)
    ).all()
    assert keys == []


def test_the_email_carries_the_report(app, world, smtp):
    p, _teams, _entries = world
    p["manager"].email = "manager@example.cn"
    db.session.commit()
    editions.publish(WEEKLY, MONDAY, NOW)
    result = deliver(NOW)
    failed = db.session.scalars(select(Notification.last_error).where(Notification.status != "sent")).all()
    assert result.failed == 0, failed
    mails = [message_from_bytes(m.content, policy=policy.default) for m in smtp.messages]
    mail = next(m for m in mails if str(m["To"]) == "manager@example.cn")
    attachments = list(mail.iter_attachments())
    assert len(attachments) == 1
    name = attachments[0].get_filename()
    assert name.endswith("2026-11-16～2026-11-22.docx") and "工作周报" in name
    doc = Document(BytesIO(attachments[0].get_content()))
    assert "工作周报" in doc.paragraphs[0].text
    assert "工作周报" in mail.get_body(preferencelist=("plain",)).get_content()


def test_a_manager_rebuilds_an_edition_in_place(app, world):
    p, _teams, _entries = world
    editions.publish(WEEKLY, MONDAY, NOW)
    edition = editions_by_scope()["city"]
    later = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    editions.rebuild(p["manager"], edition, later)
    db.session.expire_all()
    edition = db.session.get(ReportEdition, edition.id)
    assert (edition.version, edition.rebuilt_by_id, edition.rebuilt_at) == (2, p["manager"].id, later)
    assert (edition.period_start, edition.published_on) == (date(2026, 11, 16), date(2026, 11, 25))
    assert (
        db.session.scalar(
            select(func.count()).select_from(ReportEdition).where(ReportEdition.scope == "city")
        )
        == 1
    )


def test_the_archive_shows_each_reader_their_editions(app, client, world, login):
    p, _teams, _entries = world
    editions.publish(WEEKLY, MONDAY, NOW)
    by_scope = editions_by_scope()
    own, other = by_scope[f"county:{p['head'].region_id}"], by_scope[f"county:{p['other_head'].region_id}"]
    login(p["head"])
    page = client.get("/reports/").get_data(as_text=True)
    assert page.count('data-testid="report-download"') == 1 and region("371502").name in page
    response = client.get(f"/reports/{own.id}.docx")
    assert response.status_code == 200 and response.data == own.docx
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get(f"/reports/{other.id}.docx").status_code == 404
    assert client.get(f"/reports/{by_scope['city'].id}.docx").status_code == 404
    assert client.post(f"/reports/{own.id}/rebuild").status_code == 403
    login(p["manager"])
    page = client.get("/reports/").get_data(as_text=True)
    assert page.count('data-testid="report-download"') == len(by_scope)
    assert client.post(f"/reports/{own.id}/rebuild").status_code == 302
    db.session.expire_all()
    assert db.session.get(ReportEdition, own.id).version == 2
    login(p["member"])
    assert client.get("/reports/").status_code == 403
    assert p["member"].role == Role.MEMBER


@pytest.mark.skipif(document.soffice() is None, reason="LibreOffice is not installed (.ci/run installs it)")
def test_an_edition_downloads_as_pdf(app, client, world, login):
    p, _teams, _entries = world
    editions.publish(WEEKLY, MONDAY, NOW)
    own = editions_by_scope()[f"county:{p['head'].region_id}"]
    login(p["head"])
    assert 'data-testid="report-pdf"' in client.get("/reports/").get_data(as_text=True)
    response = client.get(f"/reports/{own.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_the_leadership_groups_robot_gets_the_citys_edition_with_its_link(
    app, world, httpserver, monkeypatch
):
    monkeypatch.setitem(app.config, "REPORT_WEBHOOK_URL", httpserver.url_for("/robot/send"))
    monkeypatch.setitem(app.config, "PUBLIC_URL", "http://crm.example.cn")
    httpserver.expect_oneshot_request("/robot/send", method="POST").respond_with_json({"errcode": 0})
    editions.publish(WEEKLY, MONDAY, NOW)
    assert deliver(NOW).failed == 0
    assert len(httpserver.log) == 1  # the city's edition only, not the counties'
    request, _response = httpserver.log[0]
    text = request.get_json()["text"]["content"]
    assert text.startswith("全市“强企业攻坚”工作周报") and "http://crm.example.cn/reports/" in text
