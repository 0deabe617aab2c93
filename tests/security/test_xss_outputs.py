"""Hostile text in the outputs that are not HTML pages, and the few places that could switch escaping off.

- `|safe`, `Markup(`, `{% autoescape false %}` and render_template_string: each use is reviewed and allow-listed
  here; a new one fails until someone reviews it (templates/ and crm/);
- the JSON API answers JSON (never HTML) and returns the text as it was stored, for a program to escape;
- .ics calendars: a line break in a task title cannot add events;
- group robots get the text as stored in a JSON text message; email: the body is plain text, and a line break in a title (an enterprise name typed with one) neither breaks the
  header nor stops the delivery pass."""

import re
from email import message_from_bytes, policy
from pathlib import Path

from icalendar import Calendar
from markupsafe import Markup
from sqlalchemy import select

from crm import outbox
from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.formatting import nl2br
from crm.plans.models import Task
from crm.reminders.channels import webhook_payload
from crm.reminders.delivery import deliver
from crm.reminders.models import Notification
from crm.vocab import Role
from tests.api.conftest import api, token_for  # noqa: F401  (bearer-token callers)
from tests.api.matrix import API_ROUTES
from tests.permissions.world import url_for_case, world  # noqa: F401
from tests.plans.conftest import target  # noqa: F401
from tests.reminders.conftest import smtp  # noqa: F401  (a real SMTP server on 127.0.0.1)
from tests.security.xss import unsafe_html
from tests.teams.conftest import campaign  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '=1+"><svg onload=alert(7)><script>alert(7)</script>{{7*7}}'
# Every place that may switch escaping off, reviewed: file → (pattern, how many, why it is safe).
ESCAPE_HATCHES = re.compile(
    r"\|\s*safe\b|Markup\(|autoescape\s+false|render_template_string|Markup\.unescape"
)
ALLOWED = {
    "crm/formatting.py": (2, "nl2br: joins lines that were each escaped with markupsafe.escape by <br>"),
    "crm/dashboard/fragments.py": (
        1,
        "the dashboard's tables as render_template returned them (autoescaped)",
    ),
    "crm/chrome.py": (
        3,
        "the navigation bar and the palette as render_template returned them (autoescaped), kept; the CSRF token"
        " put in is URL-safe base64 (tests/test_chrome.py)",
    ),
    "crm/templating.py": (
        3,
        "light_badge and provisional_mark: constant HTML filled by Markup.format, which escapes each value put in"
        " (tests/test_badges.py puts hostile reasons in)",
    ),
    "crm/widgets.py": (
        3,
        "QuickSelect and QuickCheckboxes: the <select> and each <option>, the <ul> and each box, joined from"
        " html_params and values and labels each escaped (tests/test_widgets.py compares the HTML with WTForms')",
    ),
}


def test_escaping_is_switched_off_only_where_reviewed():
    found: dict[str, int] = {}
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("crm/**/*.py")]:
        hits = ESCAPE_HATCHES.findall(path.read_text(encoding="utf-8"))
        if hits:
            found[str(path.relative_to(ROOT))] = len(hits)
    assert found == {name: count for name, (count, _why) in ALLOWED.items()}, (
        "a new |safe / Markup( / autoescape false: review it, then add it to ALLOWED with the reason"
    )


def test_tojson_is_only_used_for_data_islands():
    """tojson escapes < > & ' for a <script type="application/json">; anywhere else it needs a review."""
    for path in ROOT.glob("templates/**/*.html"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "tojson" in line:
                assert '<script type="application/json"' in line, f"{path.name}: {line.strip()}"


def test_nl2br_escapes_each_line():
    assert nl2br('<b>1</b>\n"2"') == Markup("&lt;b&gt;1&lt;/b&gt;<br>&#34;2&#34;")
    assert nl2br(Markup("<i>x</i>")) == Markup("<i>x</i>")  # already safe markup stays as it was


def test_a_stored_javascript_website_is_shown_but_never_linked(client, make_user, make_entry, login):
    """Forms and imports refuse it now; a record saved before (or by a script) must still not become a link."""
    user = make_user(Role.MEMBER, "371502")
    entry = make_entry(user)
    enterprise = db.session.get(Enterprise, entry.enterprise_id)
    enterprise.website = "JavaScript:alert(1)"
    db.session.commit()
    login(user)
    page = client.get(f"/enterprises/{enterprise.id}").data.decode()
    assert "JavaScript:alert(1)" in page and unsafe_html(page) == []


def test_the_api_answers_json_with_the_text_as_stored(client, world, api):  # noqa: F811
    inside, counties, extra = world
    county = counties["in"]
    enterprise = db.session.get(Enterprise, county["assigned"].enterprise_id)
    enterprise.name = HOSTILE
    db.session.commit()
    caller = api(inside["users"][Role.MANAGER])
    seen = 0
    for name, (method, template) in API_ROUTES.items():
        if method != "GET":
            continue
        response = caller.get(url_for_case(template, county, extra))
        assert response.status_code == 200, name
        assert response.mimetype == "application/json", name
        assert "<" not in response.headers.get("Content-Type", ""), name
        seen += HOSTILE in str(response.get_json())
    assert seen >= 3  # enterprises, an enterprise, entries, an entry …: the name as stored, not HTML-escaped


def test_a_line_break_in_a_task_title_cannot_add_calendar_events(target, client, login):  # noqa: F811
    p, entry = target
    task = db.session.scalar(select(Task).where(Task.entry_id == entry.id).limit(1))
    task.title = "首次对接\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:" + HOSTILE
    db.session.commit()
    steps = len(db.session.scalars(select(Task).where(Task.entry_id == entry.id)).all())
    login(p["member"])
    for url in (f"/plans/entries/{entry.id}/plan.ics", "/plans/tasks.ics"):
        response = client.get(url)
        assert response.mimetype == "text/calendar"
        events = list(Calendar.from_ical(response.data).walk("VEVENT"))
        assert len(events) <= steps
        assert any(HOSTILE in str(e["summary"]) for e in events)


def test_a_group_robot_gets_plain_text():
    """The webhook body is the robots' text message, built in code (no template): the text as stored."""
    body = webhook_payload(Notification(title=HOSTILE, body=HOSTILE))
    assert body == {"msgtype": "text", "text": {"content": f"{HOSTILE}\n{HOSTILE}"}}


def test_email_is_plain_text_and_a_line_break_in_a_title_does_not_stop_delivery(smtp, campaign, now):  # noqa: F811
    p, _teams, _whitelisted = campaign
    p["member"].email = "member@example.cn"
    db.session.commit()
    rows = [{"dedupe_key": f"xss:{i}:email", "channel": "email", "user_id": p["member"].id, "kind": "due_today",
             "title": title, "body": HOSTILE} for i, title in
            enumerate([f"到期提醒：{HOSTILE}\r\nBcc: evil@example.com", "第二条提醒"])]  # fmt: skip
    outbox.enqueue(rows, now)
    result = deliver(now)
    assert (result.sent, result.failed) == (2, 0)
    assert all(m.rcpt_tos == ["member@example.cn"] for m in smtp.messages)
    mails = [message_from_bytes(m.content, policy=policy.default) for m in smtp.messages]
    first = next(m for m in mails if "到期提醒" in m["Subject"])
    assert "\n" not in first["Subject"] and first["Bcc"] is None
    assert first.get_content_type() == "text/plain" and HOSTILE in first.get_content()
    statuses = set(db.session.scalars(select(Notification.status)))
    assert statuses == {"sent"}
