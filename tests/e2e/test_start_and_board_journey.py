"""Browser journeys of issue 19: a member's first screen after login on a phone is today's work, one tap from
logging it; a lead drags a card on the pipeline board to 洽谈中, which is refused until a meeting is logged, and then
moves. Selectors rely on data-testid and href; texts only on the fixed vocabulary (crm/vocab.py) and the demo."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import exists, select

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from crm.auth.models import User  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.plans import logs  # noqa: E402
from crm.plans.models import OPEN, ContactLog, Task  # noqa: E402
from crm.teams.models import Team  # noqa: E402
from crm.types import utcnow  # noqa: E402
from crm.vocab import MEETING_KINDS, STATE_LABELS, State  # noqa: E402
from crm.whitelist.models import WhitelistEntry  # noqa: E402
from tests.e2e.test_plan_journey import PHONE, log_in  # noqa: E402


def test_a_members_first_screen_on_a_phone_is_todays_work(app, new_page, demo_password, screenshot_dir):
    with app.app_context():
        member = db.session.scalar(select(User).where(User.username == "member1"))
        has_steps = db.session.scalar(select(exists().where(Task.owner_id == member.id, Task.status == OPEN)))
    assert has_steps, "the demo gives member1 plan steps"
    page = new_page(**PHONE)
    log_in(page, "member1", demo_password)
    assert re.search(r"/$", page.url)
    work = page.get_by_test_id("todays-work")
    expect(work).to_be_visible()
    box = work.bounding_box()
    assert box is not None and box["y"] < PHONE["viewport"]["height"] / 2, (
        "today's work opens the first screen"
    )
    counters = page.get_by_test_id("counters").bounding_box()
    assert counters is not None and counters["y"] > box["y"]
    page.screenshot(path=screenshot_dir / "start-member-phone.png")
    first = page.get_by_test_id("log-for-task").first
    expect(first).to_be_in_viewport()
    first.click()
    expect(page).to_have_url(re.compile(r"/plans/entries/\d+/log\?task=\d+"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def _contacting_without_meeting(app) -> tuple[int, str]:
    """A target of lead1's teams in 对接中 with no meeting logged (one of theirs moved there by a phone call when
    the demo has none)."""
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.username == "lead1"))
        teams = select(Team.id).where(Team.leader_id == lead.id)
        met = select(ContactLog.entry_id).where(ContactLog.kind.in_(MEETING_KINDS))
        entry = db.session.scalar(
            select(WhitelistEntry)
            .where(WhitelistEntry.team_id.in_(teams), WhitelistEntry.state == State.CONTACTING)
            .where(WhitelistEntry.id.not_in(met))
            .order_by(WhitelistEntry.id)
        )
        if entry is None:
            entry = db.session.scalar(
                select(WhitelistEntry)
                .where(WhitelistEntry.team_id.in_(teams), WhitelistEntry.state == State.ASSIGNED)
                .order_by(WhitelistEntry.id)
            )
            assert entry is not None, "the demo gives lead1 assigned targets"
            _log(lead, entry, "phone")
        return entry.id, entry.enterprise.name


def _log(user, entry, kind):
    when = utcnow() - timedelta(hours=1)
    data = logs.LogData(occurred_at=when, kind=kind, summary="看板测试：与企业沟通")
    logs.record_log(user, entry, data, when, Path("/nonexistent"))


def test_a_lead_drags_a_card_to_negotiating_which_needs_a_meeting(
    app, new_page, demo_password, screenshot_dir
):
    entry_id, name = _contacting_without_meeting(app)
    page = new_page(viewport={"width": 1366, "height": 900})
    log_in(page, "lead1", demo_password)
    page.goto("/whitelist/board")
    page.screenshot(path=screenshot_dir / "pipeline-board.png")
    page.goto(f"/whitelist/board?q={name}")
    card = page.locator(f'[data-testid="card"][data-entry="{entry_id}"]')
    contacting = page.get_by_test_id("column-contacting")
    negotiating = page.get_by_test_id("column-negotiating")
    expect(contacting.locator(f'[data-entry="{entry_id}"]')).to_be_visible()
    card.drag_to(negotiating)
    alert = page.get_by_test_id("board-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(STATE_LABELS[State.NEGOTIATING])
    expect(alert.locator("a")).to_have_attribute("href", f"/plans/entries/{entry_id}/log")
    expect(contacting.locator(f'[data-entry="{entry_id}"]')).to_be_visible()  # snapped back
    with app.app_context():
        assert db.session.get(WhitelistEntry, entry_id).state == State.CONTACTING
        lead = db.session.scalar(select(User).where(User.username == "lead1"))
        _log(lead, db.session.get(WhitelistEntry, entry_id), "visit")
    page.reload()
    card = page.locator(f'[data-testid="card"][data-entry="{entry_id}"]')
    card.drag_to(page.get_by_test_id("column-negotiating"))
    expect(page.get_by_test_id("column-negotiating").locator(f'[data-entry="{entry_id}"]')).to_be_visible()
    expect(page.get_by_test_id("board-alert")).to_be_hidden()
    with app.app_context():
        assert db.session.get(WhitelistEntry, entry_id).state == State.NEGOTIATING
    # The next move, 已签约, asks for its evidence in a dialog, operated from the keyboard.
    move = page.locator(f'[data-entry="{entry_id}"] [data-testid="move"]')
    move.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_test_id("move-dialog")
    expect(dialog).to_be_visible()
    page.get_by_test_id("move-confirm").click()
    expect(dialog.get_by_test_id("move-error")).to_be_visible()  # no date, no amount: refused, dialog stays
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    with app.app_context():
        assert db.session.get(WhitelistEntry, entry_id).state == State.NEGOTIATING
