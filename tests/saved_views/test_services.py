"""Saved views: who sees which (private, team, county, city), who may change a shared view (locked or not), copies,
pins and the start page's pinned_views_for, and the cleaning of stored filters by the list's own parsing."""

from datetime import timedelta
from urllib.parse import parse_qsl

import pytest

from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from crm.saved_views import services as sv
from crm.saved_views.forms import clean_whitelist_query
from crm.saved_views.models import SavedView, SavedViewPin
from crm.saved_views.services import Sharing
from tests.conftest import region
from tests.teams.conftest import campaign  # noqa: F401


def names(views) -> list[str]:
    return [v.name for v in views]


def test_a_private_view_is_its_owners_alone(campaign, now):  # noqa: F811
    p, _teams, _w = campaign
    view = sv.create_view(p["member"], "我的红灯", "light=red", now)
    assert names(sv.available_views(p["member"])) == ["我的红灯"]
    for other in ("member_b", "lead", "head", "manager", "other_member"):
        assert sv.available_views(p[other]) == [], other
        assert sv.visible_view(p[other], view.id) is None


def test_a_team_view_reaches_the_team_and_no_one_else(campaign, now):  # noqa: F811
    p, teams, _w = campaign
    sv.create_view(p["member"], "装备队在谈", "state=negotiating", now, Sharing("team", teams["A"].id))
    assert names(sv.available_views(p["lead"])) == ["装备队在谈"]  # the team's leader
    for other in ("member_b", "head", "manager", "other_member", "proposer"):
        assert sv.available_views(p[other]) == [], other


def test_a_member_shares_only_with_a_team_of_theirs(campaign, now):  # noqa: F811
    p, teams, _w = campaign
    for sharing in (Sharing("team", teams["C"].id), Sharing("county"), Sharing("city")):
        with pytest.raises(DomainError):
            sv.create_view(p["member"], "越权", "", now, sharing)
    assert db.session.scalar(db.select(db.func.count(SavedView.id))) == 0
    codes = [s.code for s, _words in sv.sharing_choices(p["lead"])]
    assert codes == ["private", f"team:{teams['B'].id}", f"team:{teams['A'].id}"] or set(codes) == {
        "private", f"team:{teams['A'].id}", f"team:{teams['B'].id}"}  # fmt: skip


def test_county_and_city_views_by_role(campaign, now):  # noqa: F811
    p, _teams, _w = campaign
    with pytest.raises(DomainError):
        sv.create_view(p["head"], "全市", "", now, Sharing("city"))
    county = sv.create_view(p["head"], "本县红灯", "light=red", now, Sharing("county"))
    assert county.region_id == region("371502").id
    sv.create_view(p["manager"], "全市签约", "state=signed", now, Sharing("city"))
    assert names(sv.available_views(p["member"])) == ["全市签约", "本县红灯"]
    assert names(sv.available_views(p["other_member"])) == ["全市签约"]  # another county
    assert names(sv.available_views(p["head"])) == ["本县红灯", "全市签约"]  # own first


def test_a_locked_view_is_used_and_copied_but_not_changed_by_the_others(campaign, now):  # noqa: F811
    p, teams, _w = campaign
    view = sv.create_view(p["lead"], "队红灯", "light=red", now, Sharing("team", teams["A"].id), locked=True)
    member = p["member"]
    assert sv.visible_view(member, view.id) is not None and not sv.may_change(member, view)
    with pytest.raises(Forbidden):
        sv.save_query(member, view, "light=yellow", view.version, now)
    with pytest.raises(Forbidden):
        sv.edit_view(member, view, "改名", None, None, view.version, now)
    with pytest.raises(Forbidden):
        sv.delete_view(member, view)
    db.session.rollback()
    copy = sv.copy_view(member, view, now)
    assert (copy.owner_id, copy.params, copy.audience, copy.locked) == (
        member.id,
        "light=red",
        "private",
        False,
    )
    assert copy.name == "队红灯（副本）"
    assert sv.copy_view(member, view, now).name == "队红灯（副本） 2"
    sv.save_query(member, copy, "light=yellow", copy.version, now)  # the copy is theirs
    assert db.session.get(SavedView, view.id).params == "light=red"


def test_an_unlocked_shared_view_is_changed_by_the_team_but_shared_and_locked_by_its_owner(campaign, now):  # noqa: F811
    p, teams, _w = campaign
    view = sv.create_view(p["lead"], "队视图", "light=red", now, Sharing("team", teams["A"].id))
    sv.save_query(p["member"], view, "light=yellow", view.version, now)
    sv.edit_view(p["member"], view, "队视图（黄灯）", None, None, view.version, now)
    assert (view.name, view.params) == ("队视图（黄灯）", "light=yellow")
    with pytest.raises(Forbidden):
        sv.edit_view(p["member"], view, view.name, Sharing(), None, view.version, now)
    with pytest.raises(Forbidden):
        sv.edit_view(p["member"], view, view.name, None, True, view.version, now)
    db.session.rollback()
    sv.edit_view(p["lead"], view, view.name, Sharing("team", teams["A"].id), True, view.version, now)
    assert view.locked and not sv.may_change(p["member"], view)
    sv.edit_view(p["lead"], view, view.name, Sharing(), True, view.version, now)  # private: nothing to lock
    assert (view.audience, view.team_id, view.locked) == ("private", None, False)
    assert sv.visible_view(p["member"], view.id) is None


def test_a_stale_form_is_refused(campaign, now):  # noqa: F811
    p, _teams, _w = campaign
    view = sv.create_view(p["member"], "视图", "", now)
    stale = view.version
    sv.save_query(p["member"], view, "light=red", view.version, now)
    with pytest.raises(StaleRecord):
        sv.edit_view(p["member"], view, "新名", None, None, stale, now)


def test_names_are_checked(campaign, now):  # noqa: F811
    p, _teams, _w = campaign
    sv.create_view(p["member"], "红灯", "", now)
    for bad in ("", "   ", "红灯", " 红灯 ", "长" * 61):
        with pytest.raises(DomainError):
            sv.create_view(p["member"], bad, "", now)
    db.session.rollback()
    assert sv.create_view(p["other_member"], "红灯", "", now).name == "红灯"  # another owner's name is free


def test_pins_follow_what_the_user_may_see(campaign, now):  # noqa: F811
    p, teams, _w = campaign
    own = sv.create_view(p["member"], "我的", "light=red", now)
    shared = sv.create_view(p["lead"], "队的", "state=contacting", now, Sharing("team", teams["A"].id))
    sv.set_pinned(p["member"], shared, True, now)
    sv.set_pinned(p["member"], own, True, now + timedelta(minutes=1))
    sv.set_pinned(p["member"], own, True, now + timedelta(minutes=2))  # twice: still one pin
    pinned = sv.pinned_views_for(p["member"])
    assert names(pinned) == ["队的", "我的"]
    assert sv.pinned_views_for(p["lead"]) == []
    # The lead stops sharing it: the member's pin no longer shows; deleting a view removes its pins.
    sv.edit_view(p["lead"], shared, shared.name, Sharing(), False, shared.version, now)
    assert names(sv.pinned_views_for(p["member"])) == ["我的"]
    sv.delete_view(p["member"], own)
    assert sv.pinned_views_for(p["member"]) == []
    assert (
        db.session.scalar(db.select(db.func.count()).select_from(SavedViewPin)) == 1
    )  # the lead's view's pin
    sv.set_pinned(p["member"], shared, False, now)


def test_url_reproduces_the_list(app, campaign, now):  # noqa: F811
    p, _teams, _w = campaign
    view = sv.create_view(p["member"], "视图", "light=red&sort=name", now)
    with app.test_request_context("/"):
        assert view.url == f"/whitelist/?light=red&sort=name&view={view.id}"


def clean(app, user, raw: str) -> list[tuple[str, str]]:
    from flask_login import login_user

    with app.test_request_context("/whitelist/"):
        login_user(user)
        return parse_qsl(clean_whitelist_query(raw))


def test_stored_filters_are_cleaned_by_the_lists_parsing(app, campaign, now):  # noqa: F811
    p, teams, _w = campaign
    county = region("371502").id
    raw = (f"q=华夏&region={county}&state=contacting&light=red&team={teams['A'].id}&sort=name&phase=signed"
           "&col=name&col=region&col=state&page=3&view=9&utm=x")  # fmt: skip
    assert clean(app, p["member"], raw) == [
        ("q", "华夏"), ("region", str(county)), ("state", "contacting"), ("team", str(teams["A"].id)),
        ("light", "red"), ("phase", "signed"), ("sort", "name"), ("col", "name"), ("col", "region"), ("col", "state"),
    ]  # fmt: skip
    junk = (
        "region=99999&state=bogus&light=purple&team=abc&sort=drop&phase=x&from=2026-13-01&col=secret&tag=-7"
    )
    assert clean(app, p["member"], junk) == [("col", "name")]  # only the (empty) column choice is left
    # a team the member cannot see is not kept; all columns is the default and not written
    everything = "&".join(f"col={c}" for c in ("name", "region", "state", "team", "industry", "categories",
                                                 "investment", "priority", "changed"))  # fmt: skip
    assert clean(app, p["member"], f"team={teams['C'].id}&{everything}") == []
