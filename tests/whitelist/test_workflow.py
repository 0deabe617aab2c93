"""The whitelist state machine: review chain, maker-checker, return/resubmit, pause/resume, drop."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from crm.settings import set_setting
from crm.vocab import Action, ReviewStage, State
from crm.whitelist import services as wf
from crm.whitelist.models import Event


def actions_of(entry) -> list[str]:
    return list(db.session.scalars(select(Event.action).where(Event.entry_id == entry.id).order_by(Event.id)))


@pytest.fixture
def people(make_user):
    return {
        "member": make_user("member", "371502"),
        "lead": make_user("lead", "371502"),
        "head": make_user("county_head", "371502"),
        "other_head": make_user("county_head", "371503"),
        "manager": make_user("manager"),
        "manager2": make_user("manager"),
    }


def whitelisted(people, entry, now):
    """Take a county proposal through both review stages."""
    wf.approve(people["head"], entry, now)
    wf.approve(people["manager"], entry, now)
    return entry


def test_county_proposal_goes_through_county_head_then_manager(people, make_entry, now):
    entry = make_entry(people["member"])
    assert (entry.state, entry.review_stage, entry.version) == (State.PROPOSED, ReviewStage.COUNTY, 1)
    assert entry.updated_at == now

    wf.approve(people["head"], entry, now + timedelta(hours=1))
    assert (entry.state, entry.review_stage) == (State.PROPOSED, ReviewStage.CITY)

    wf.approve(people["manager"], entry, now + timedelta(hours=2))
    assert entry.state == State.WHITELISTED
    assert entry.review_stage is None
    assert entry.whitelisted_at == now + timedelta(hours=2)
    assert actions_of(entry) == [Action.PROPOSE, Action.APPROVE_COUNTY, Action.APPROVE]


def test_manager_waits_for_the_county_head_unless_there_is_none(people, make_user, make_entry, now):
    entry = make_entry(people["member"])
    with pytest.raises(Forbidden):
        wf.approve(people["manager"], entry, now)
    zone_member = make_user("member", "ZONE-ETDZ")  # the zones have no county head
    zone_entry = make_entry(zone_member, name="开发区测试企业有限公司")
    assert zone_entry.review_stage == ReviewStage.COUNTY
    wf.approve(people["manager"], zone_entry, now)
    assert zone_entry.state == State.WHITELISTED


def test_city_only_chain_skips_the_county_head(people, make_entry, now):
    set_setting("approval_chain", "city_only")
    db.session.commit()
    entry = make_entry(people["member"])
    assert entry.review_stage == ReviewStage.CITY
    with pytest.raises(Forbidden):
        wf.approve(people["head"], entry, now)
    wf.approve(people["manager"], entry, now)
    assert entry.state == State.WHITELISTED


def test_county_head_proposal_goes_straight_to_the_city(people, make_entry):
    entry = make_entry(people["head"])
    assert entry.review_stage == ReviewStage.CITY


def test_nobody_approves_their_own_proposal(people, make_entry, now):
    entry = make_entry(people["manager"], region_code="371502")
    with pytest.raises(Forbidden, match="自己"):
        wf.approve(people["manager"], entry, now)
    wf.approve(people["manager2"], entry, now)
    assert entry.state == State.WHITELISTED


def test_county_head_cannot_pass_their_own_proposal_at_the_county_stage(people, make_entry, now):
    set_setting("approval_chain", "county_then_city")
    db.session.commit()
    entry = make_entry(people["member"])
    entry.proposer_id = people["head"].id  # as if the head had proposed it at the county stage
    db.session.commit()
    with pytest.raises(Forbidden, match="自己"):
        wf.approve(people["head"], entry, now)
    assert entry.review_stage == ReviewStage.COUNTY


def test_county_head_cannot_review_another_county(people, make_entry, now):
    entry = make_entry(people["member"])
    with pytest.raises(Forbidden):
        wf.approve(people["other_head"], entry, now)
    with pytest.raises(Forbidden):
        wf.approve(people["lead"], entry, now)
    assert entry.state == State.PROPOSED


def test_county_head_cannot_confirm_at_city_stage(people, make_entry, now):
    entry = make_entry(people["member"])
    wf.approve(people["head"], entry, now)
    with pytest.raises(Forbidden):
        wf.approve(people["head"], entry, now)


def test_return_needs_reason_and_resubmit_restarts_review(people, make_entry, now):
    entry = make_entry(people["member"])
    with pytest.raises(DomainError):
        wf.return_for_revision(people["head"], entry, "  ", now)
    wf.return_for_revision(people["head"], entry, "请补充投资强度", now)
    assert (entry.state, entry.review_stage) == (State.RETURNED, None)

    with pytest.raises(Forbidden):  # a stranger cannot resubmit
        wf.resubmit(people["other_head"], entry, now)
    wf.resubmit(people["member"], entry, now + timedelta(days=1), note="已补充")
    assert (entry.state, entry.review_stage) == (State.PROPOSED, ReviewStage.COUNTY)
    assert entry.submitted_at == now + timedelta(days=1)
    event = db.session.scalar(select(Event).where(Event.action == Action.RETURN))
    assert (event.from_state, event.to_state, event.reason) == (
        State.PROPOSED,
        State.RETURNED,
        "请补充投资强度",
    )


def test_pause_and_resume_return_to_the_previous_state(people, make_entry, now):
    entry = whitelisted(people, make_entry(people["member"]), now)
    with pytest.raises(DomainError):
        wf.pause(people["lead"], entry, "", now)
    with pytest.raises(Forbidden):
        wf.pause(people["member"], entry, "企业重组", now)
    wf.pause(people["lead"], entry, "企业重组", now)
    assert (entry.state, entry.state_before_pause) == (State.PAUSED, State.WHITELISTED)
    wf.resume(people["head"], entry, now)
    assert (entry.state, entry.state_before_pause) == (State.WHITELISTED, None)


def test_drop_needs_a_reason_and_ends_the_entry(people, make_entry, now):
    entry = whitelisted(people, make_entry(people["member"]), now)
    with pytest.raises(DomainError):
        wf.drop(people["manager"], entry, None, now)
    wf.drop(people["manager"], entry, "企业无投资意向", now)
    assert entry.state == State.DROPPED
    with pytest.raises(Forbidden):
        wf.resume(people["manager"], entry, now)
    with pytest.raises(Forbidden):
        wf.pause(people["manager"], entry, "x", now)


def test_proposer_may_withdraw_but_member_may_not_drop_a_whitelisted_entry(people, make_entry, now):
    withdrawn = make_entry(people["member"])
    wf.drop(people["member"], withdrawn, "重复提报，撤回", now)
    assert withdrawn.state == State.DROPPED

    kept = whitelisted(people, make_entry(people["member"], name="保留测试企业有限公司"), now)
    with pytest.raises(Forbidden):
        wf.drop(people["member"], kept, "不想要了", now)


def test_member_cannot_propose_for_another_county(people, make_entry):
    with pytest.raises(Forbidden):
        make_entry(people["member"], region_code="371503")


def test_stale_version_is_refused_with_who_and_when(people, make_entry, now):
    entry = make_entry(people["member"])
    seen = entry.version
    wf.approve(people["head"], entry, now, expected_version=seen)
    with pytest.raises(StaleRecord, match=people["head"].full_name):
        wf.return_for_revision(people["manager"], entry, "迟到的退回", now, expected_version=seen)
    assert entry.review_stage == ReviewStage.CITY


def test_edit_records_field_changes(people, make_entry, now):
    entry = make_entry(people["member"], planned_investment=1000)
    data = wf.EntryData(region_id=entry.region_id, planned_investment=25000, summary="新概况", priority=1)
    wf.edit(people["member"], entry, data, now, entry.version)
    event = db.session.scalar(select(Event).where(Event.action == Action.EDIT))
    assert "计划总投资(万元): 1000 → 25000" in event.detail
    assert "项目概况: — → 新概况" in event.detail
