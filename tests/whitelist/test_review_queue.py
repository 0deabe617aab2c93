"""待我审核 counts and lists what the reviewer can decide now (issue 19): a manager's queue holds the city stage and
the county stage of counties without a county head, never the proposals still with a county head (which a manager
can only drop); those are listed after, under their own heading, and not counted."""

import re

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.settings import set_setting
from crm.vocab import ApprovalChain, ReviewStage
from crm.whitelist import policy, queries
from crm.whitelist import services as wf
from crm.whitelist.models import WhitelistEntry

WITH_HEAD, WITHOUT_HEAD = "371502", "371503"  # only the first county gets a county head here


@pytest.fixture
def queue(make_user, make_entry, now):
    """A manager, a county head of WITH_HEAD, and proposals at each stage."""
    member, head, manager = (
        make_user("member", WITH_HEAD),
        make_user("county_head", WITH_HEAD),
        make_user("manager"),
    )
    at_county = make_entry(member, name="县级待审示范有限公司")
    at_city = make_entry(member, name="市级待审示范有限公司")
    wf.approve(head, at_city, now)
    no_head = make_entry(make_user("member", WITHOUT_HEAD), name="无县级审核示范有限公司")
    own = make_entry(
        manager, region_code=WITHOUT_HEAD, name="局领导自报示范有限公司"
    )  # maker-checker: not theirs
    return {"manager": manager, "head": head, "at_county": at_county, "at_city": at_city, "no_head": no_head,
            "own": own}  # fmt: skip


def ids(query) -> list[int]:
    return list(db.session.scalars(query.with_only_columns(WhitelistEntry.id)))


def test_a_managers_queue_holds_only_what_they_can_decide(queue):
    manager = queue["manager"]
    assert queue["at_county"].review_stage == ReviewStage.COUNTY
    assert set(ids(queries.review_queue(manager))) == {queue["at_city"].id, queue["no_head"].id}
    assert queries.review_count(manager) == 2
    assert ids(queries.waiting_for_county(manager)) == [queue["at_county"].id]
    # The queue is the review policy's rule, entry by entry.
    for entry in db.session.scalars(select(WhitelistEntry)):
        assert (entry.id in ids(queries.review_queue(manager))) == policy.can_review(manager, entry), entry.id


def test_a_county_heads_queue_is_their_county_at_its_first_stage(queue):
    head = queue["head"]
    assert ids(queries.review_queue(head)) == [queue["at_county"].id]
    assert queries.review_count(head) == 1
    assert ids(queries.waiting_for_county(head)) == []


def test_city_only_chain_puts_every_proposal_in_the_managers_queue(queue):
    set_setting("approval_chain", ApprovalChain.CITY_ONLY)
    manager = queue["manager"]
    expected = {queue["at_county"].id, queue["at_city"].id, queue["no_head"].id}
    assert set(ids(queries.review_queue(manager))) == expected
    assert ids(queries.waiting_for_county(manager)) == []


def test_the_page_lists_the_decidable_first_and_the_county_stage_after_labelled(client, queue, login):
    login(queue["manager"])
    page = client.get("/whitelist/review").data.decode()
    decidable = [queue["at_city"].enterprise.name, queue["no_head"].enterprise.name]
    waiting = queue["at_county"].enterprise.name
    assert re.search(r'data-testid="review-count">2<', page)
    section = page.index('data-testid="at-county"')
    assert all(0 < page.index(name) < section for name in decidable)
    assert page.index(waiting) > section
    assert "仍在县级审核" in page[section:]
    assert queue["own"].enterprise.name not in page
    # Only the decidable ones offer the decision.
    assert page[:section].count("#actions") == 2 and "#actions" not in page[section:]
    home = client.get("/").data.decode()
    assert re.search(r'data-testid="to-review">2<', home)


def test_a_county_head_sees_no_county_stage_section(client, queue, login):
    login(queue["head"])
    page = client.get("/whitelist/review").data.decode()
    assert queue["at_county"].enterprise.name in page
    assert 'data-testid="at-county"' not in page
