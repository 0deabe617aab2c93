"""The calendar export with hostile names already in the database (stored before input was cleaned): a line break
must not end the property and start a forged one (X-INJECT), nor a bidi override reach the calendar."""

from icalendar import Calendar
from sqlalchemy import update

from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.parsing import one_line
from crm.plans.models import Task

HOSTILE = "X\r\nX-INJECT:1\u202e名称\x00\u2028尾"


def test_plan_ics_with_a_hostile_name_in_the_database(client, target, login):
    p, entry = target
    db.session.execute(
        update(Enterprise)
        .where(Enterprise.id == entry.enterprise_id)
        .values(name=HOSTILE.replace("\x00", ""))
    )
    db.session.execute(update(Task).where(Task.entry_id == entry.id).values(title="步骤\r\nX-INJECT:2"))
    db.session.commit()
    login(p["member"])
    for url in (f"/plans/entries/{entry.id}/plan.ics", "/plans/tasks.ics"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "text/calendar", url
        assert b"\nX-INJECT" not in response.data.replace(b"\r\n ", b""), url  # folded lines joined back
        assert "\u202e".encode() not in response.data
        cal = Calendar.from_ical(response.data)
        assert "X-INJECT" not in cal.walk("VCALENDAR")[0] and all(
            "X-INJECT" not in e for e in cal.walk("VEVENT")
        )
        assert any("X-INJECT:1名称" in str(e["summary"]) for e in cal.walk("VEVENT")) or url.endswith(
            "tasks.ics"
        )


def test_one_line_keeps_text_and_drops_controls():
    assert one_line("聊城\r\n示例\u202e公司\x00\u2028") == "聊城  示例公司"
    assert one_line(None) == "" and one_line("plain 名称") == "plain 名称"


def test_a_hostile_name_typed_into_the_form_is_stored_on_one_line_and_exports(client, target, login):
    p, entry = target
    enterprise = db.session.get(Enterprise, entry.enterprise_id)
    login(p["manager"])
    form = {"name": HOSTILE.replace("\x00", ""), "version": enterprise.version, "ent_industry_id": "0"}
    assert client.post(f"/enterprises/{enterprise.id}/edit", data=form).status_code == 302
    db.session.refresh(enterprise)
    assert enterprise.name == "X  X-INJECT:1名称尾"
    login(p["member"])
    response = client.get(f"/plans/entries/{entry.id}/plan.ics")
    assert response.status_code == 200 and b"\nX-INJECT" not in response.data.replace(b"\r\n ", b"")
