"""Browser journey through a team reassignment: a team lead moves a target between the two teams they lead, and the
member of the first team loses sight of it.

Selectors rely on name/id attributes, data-testid and href; visible-text checks use only the fixed Chinese
vocabulary (labels from crm/vocab.py) and the demo data (team, enterprise and user names), never button labels.
"""

import re

import pytest
from sqlalchemy import select

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402

from crm.extensions import db  # noqa: E402
from crm.teams.models import Team  # noqa: E402
from crm.vocab import ACTION_LABELS, STATE_LABELS, Action, State  # noqa: E402
from tests.e2e.pages import DEMO_NAMES, PHONE, log_in, no_horizontal_scroll  # noqa: E402

TEAM_ONE = "东昌府区高端装备攻坚一队"  # lead1 leads it, member1 is in it
TEAM_TWO = "东昌府区新兴产业攻坚二队"  # lead1 leads it too, member4 is in it
REASSIGNED = ACTION_LABELS[Action.REASSIGN]  # 调整攻坚团队/负责人
# A target being worked, not paused: the states a lead would typically move between teams.
WORKING = re.compile(
    "^(" + "|".join(STATE_LABELS[s] for s in (State.ASSIGNED, State.CONTACTING, State.NEGOTIATING)) + ")$"
)
REASON = "按产业方向调整至二队跟进"

DESKTOP = {"viewport": {"width": 1280, "height": 900}}

ENTRY_HREF = re.compile(r"^/whitelist/(\d+)$")


# --- helpers ---------------------------------------------------------------------------------------------------


def team_ids(app) -> dict[str, int]:
    """Ids of the demo teams by name, read in an app context of our own (closed before the browser starts)."""
    with app.app_context():
        teams = db.session.scalars(select(Team).where(Team.name.in_((TEAM_ONE, TEAM_TWO))))
        return {team.name: team.id for team in teams}


def list_row(page: Page, name: str):
    return page.get_by_test_id("whitelist-table").locator("tbody tr").filter(has_text=name)


def moved(old: str, new: str) -> re.Pattern:
    """The text of a move from `old` to `new` ("一队（吴队员） → 二队（褚队员）"), across line breaks."""
    return re.compile(rf"{re.escape(old)}.*→\s*{re.escape(new)}", re.DOTALL)


# --- journey ---------------------------------------------------------------------------------------------------


def test_lead_moves_a_target_to_another_team(app, live_server, new_page, demo_password, screenshot_dir):
    ids = team_ids(app)
    one, two = ids[TEAM_ONE], ids[TEAM_TWO]

    # member1, on a phone, finds a target their team is working through the team page.
    member = new_page(**PHONE)
    log_in(member, "member1", demo_password)
    toggler = member.locator("nav .navbar-toggler")
    expect(toggler).to_be_visible()
    toggler.tap()
    teams_link = member.locator('#mainnav a[href="/teams/"]')
    expect(teams_link).to_be_visible()
    teams_link.tap()
    expect(member).to_have_url(re.compile(r"/teams/$"))
    member.get_by_test_id("teams-table").locator(f'a[href="/teams/{one}"]').tap()
    expect(member).to_have_url(re.compile(rf"/teams/{one}$"))
    expect(member.locator("h1")).to_have_text(TEAM_ONE)
    targets = member.get_by_test_id("team-targets").locator("li")
    working = targets.filter(has=member.get_by_test_id("state").filter(has_text=WORKING))
    expect(working.first).to_be_visible()
    link = working.first.locator('a[href^="/whitelist/"]')
    href = link.get_attribute("href")
    assert href and ENTRY_HREF.match(href), f"unexpected target link {href!r}"
    entry_id = int(ENTRY_HREF.match(href).group(1))
    name = link.inner_text().strip()
    assert name
    assert no_horizontal_scroll(member), "the team page scrolls sideways on a 390-px phone"

    # It is in member1's whitelist list, with their team.
    member.goto("/whitelist/")
    row = list_row(member, name)
    expect(row).to_have_count(1)
    expect(row.locator(f'a[href="/whitelist/{entry_id}"]')).to_have_count(1)
    expect(row).to_contain_text(TEAM_ONE)
    expect(row.get_by_test_id("state")).to_have_text(WORKING)
    assert no_horizontal_scroll(member), "the whitelist list scrolls sideways on a 390-px phone"

    # lead1, on a desktop, moves it to the other team they lead.
    lead = new_page(**DESKTOP)
    log_in(lead, "lead1", demo_password)
    lead.goto(f"/whitelist/{entry_id}")
    expect(lead.locator("h1")).to_have_text(name)
    card = lead.get_by_test_id("team-card")
    expect(card.locator(f'a[href="/teams/{one}"]')).to_have_text(TEAM_ONE)
    card.locator(f'a[href="/whitelist/{entry_id}/reassign"]').click()
    expect(lead).to_have_url(re.compile(rf"/whitelist/{entry_id}/reassign$"))
    expect(lead.locator(f'input[name="team_id"][value="{one}"]')).to_be_checked()  # where it is now
    lead.locator(f'input[name="team_id"][value="{two}"]').check()
    # Choosing the new team lists its people only (issue 19); pick one of them.
    new_owner = DEMO_NAMES["member4"]
    owner = lead.locator("#owner_id option").filter(has_text=new_owner)
    expect(owner).to_have_count(1)
    lead.locator("#owner_id").select_option(value=owner.get_attribute("value"))
    lead.locator("#reason").fill(REASON)
    lead.locator("main form button[type=submit]").click()

    expect(lead).to_have_url(re.compile(rf"/whitelist/{entry_id}$"))
    expect(lead.locator(".alert-success")).to_be_visible()
    card = lead.get_by_test_id("team-card")
    expect(card.locator(f'a[href="/teams/{two}"]')).to_have_text(TEAM_TWO)
    expect(card.locator(f'a[href="/teams/{one}"]')).to_have_count(0)
    expect(card).to_contain_text(new_owner)

    timeline = lead.get_by_test_id("timeline")
    expect(timeline).to_contain_text(REASSIGNED)
    expect(timeline).to_contain_text(REASON)
    event = timeline.locator("li").filter(has_text=REASON)
    expect(event).to_have_count(1)
    expect(event).to_contain_text(REASSIGNED)
    expect(event).to_contain_text(DEMO_NAMES["lead1"])
    expect(event).to_contain_text(moved(TEAM_ONE, TEAM_TWO))

    history = card.get_by_test_id("assignment-history")
    expect(history).to_be_hidden()  # folded away until asked for
    card.locator("details > summary").click()
    expect(history).to_be_visible()
    move = history.locator("li").last
    expect(move).to_contain_text(REASON)
    expect(move).to_contain_text(DEMO_NAMES["lead1"])
    expect(move).to_contain_text(
        moved(f"{TEAM_ONE}（{DEMO_NAMES['member1']}）", f"{TEAM_TWO}（{new_owner}）")
    )
    lead.screenshot(path=screenshot_dir / "team-reassign.png", full_page=True)

    # member1 is no longer on the team working it: it leaves their list, and its page is not found.
    member.reload()
    table = member.get_by_test_id("whitelist-table")
    expect(table).to_be_visible()
    expect(list_row(member, name)).to_have_count(0)
    expect(table.locator(f'a[href="/whitelist/{entry_id}"]')).to_have_count(0)
    assert no_horizontal_scroll(member), "the whitelist list scrolls sideways on a 390-px phone"
    response = member.goto(f"/whitelist/{entry_id}")
    assert response is not None and response.status == 404
