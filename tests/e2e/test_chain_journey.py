"""Browser journey through the industry chains: the director opens the aluminium chain, sees its gaps first and the
diagram, drills into a gap node and its candidates; a 茌平 member on a phone proposes the top candidate in one
click, the entry's page says it fills a gap of that chain, and once 茌平's head and the city approve it the node
shows the target in progress.

Selectors rely on ids, data-testid and href; visible-text checks use the demo data (crm/demo_chains.py)."""

import re

import pytest
from sqlalchemy import select

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from crm.chains.models import ChainNode  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.vocab import STATE_LABELS, State  # noqa: E402
from tests.e2e.pages import DESKTOP, PHONE  # noqa: E402
from tests.e2e.test_team_journey import log_in  # noqa: E402  (one login helper for the journeys)

CHAIN, NODE, CANDIDATE = "有色金属精深加工（铝）", "电池铝箔", "华创电池铝箔股份有限公司"


def node_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(ChainNode.id).where(ChainNode.name == NODE))


def test_director_finds_a_gap_and_a_member_proposes_a_candidate_for_it(
    app, new_page, demo_password, screenshot_dir
):
    director = new_page(**DESKTOP)
    log_in(director, "manager", demo_password)
    director.goto("/chains/")  # the manager lands on the dashboard; the chains are under 更多
    expect(director.get_by_test_id("chain-row")).to_have_count(5)
    director.get_by_role("link", name=CHAIN).click()
    statuses = director.get_by_test_id("node-row").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert statuses[0] == "gap" and statuses == sorted(statuses, key=["gap", "targeted", "covered"].index)
    expect(director.locator('[data-chart="chain"] svg')).to_be_visible()  # the ECharts tree is drawn
    director.screenshot(path=str(screenshot_dir / "chain.png"), full_page=True)
    director.get_by_test_id("node-row").filter(has_text=NODE).get_by_role("link", name=NODE).click()
    expect(director.get_by_test_id("candidate").first).to_contain_text(CANDIDATE)

    member = new_page(**PHONE)
    log_in(member, "member2", demo_password)
    member.goto(f"/chains/nodes/{node_id(app)}")
    member.get_by_test_id("candidate").first.get_by_role("link").click()
    expect(member.locator("#chain_node_id option:checked")).to_contain_text(NODE)
    member.locator("main form button[type=submit]").last.click()
    expect(member).to_have_url(re.compile(r"/whitelist/\d+$"))
    expect(member.get_by_test_id("chain-node")).to_contain_text(NODE)
    expect(member.get_by_test_id("chain-node")).to_contain_text("补链")
    assert member.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    entry_id = int(re.search(r"/whitelist/(\d+)$", member.url).group(1))

    # Back on the node, the director sees the node has a target now and the candidate is gone.
    director.reload()
    expect(director.get_by_test_id("node-targets")).to_contain_text(CANDIDATE)
    expect(director.get_by_test_id("node-targets")).to_contain_text(STATE_LABELS[State.PROPOSED])
    expect(director.get_by_test_id("candidates")).not_to_contain_text(CANDIDATE)

    # 茌平's head and then the city approve it: on the chain page the node is in progress with a whitelisted target.
    head = new_page(**DESKTOP)
    log_in(head, "head_cp", demo_password)
    head.goto(f"/whitelist/{entry_id}")
    head.locator(f'button[formaction="/whitelist/{entry_id}/approve"]').click()
    expect(head.locator(".alert-success")).to_be_visible()
    director.goto(f"/whitelist/{entry_id}")
    director.locator(f'button[formaction="/whitelist/{entry_id}/approve"]').click()
    expect(director.get_by_test_id("state")).to_have_text(STATE_LABELS[State.WHITELISTED])
    director.get_by_test_id("chain-node").get_by_role("link").click()
    expect(director.get_by_test_id("node-targets")).to_contain_text(STATE_LABELS[State.WHITELISTED])
    director.get_by_role("link", name=CHAIN).click()
    row = director.get_by_test_id("node-row").filter(has_text=NODE)
    expect(row).to_have_attribute("data-status", "targeted")
    expect(row).to_contain_text(CANDIDATE)
