"""Proposing an enterprise another county holds (改为提报此企业 from the duplicate warning) creates the conflict for
the city, and nothing more: until the city decides, the proposer's county sees its own entry with the name and
the pending conflict, while the enterprise's page, contacts, history and the other county's entries stay with the
county that holds it (404), and nobody in the proposing county can add a contact there. Once the city decides for
the proposer, the records open to them; decided for the holder, they never do."""

import pytest
from sqlalchemy import select

from crm.enterprises.models import Contact
from crm.extensions import db
from crm.scope import can_see_enterprise_ids
from crm.whitelist import conflicts
from crm.whitelist.models import WhitelistEntry
from tests.conftest import region

SECRET = ("王建国", "招商总监", "13800000001")


@pytest.fixture
def world(make_user, make_enterprise, make_entry, client, login, now):
    holder = make_user("member", "371502", username="dcf_member")
    users = {
        "holder": holder,
        "holder_head": make_user("county_head", "371502", username="dcf_head"),
        "proposer": make_user("member", "371503", username="cp_member"),
        "proposer_head": make_user("county_head", "371503", username="cp_head"),
        "manager": make_user("manager", username="city_manager"),
    }
    enterprise = make_enterprise(holder, name="东昌府持有精密机械有限公司", uscc="91371500MA3C8X2Y4M")
    db.session.add(Contact(enterprise_id=enterprise.id, name=SECRET[0], title=SECRET[1], phone=SECRET[2]))
    db.session.commit()
    held = make_entry(holder, enterprise=enterprise, summary="东昌府区的洽谈进展")
    # The proposer types the name, sees the duplicate warning and presses 改为提报此企业.
    login(users["proposer"])
    form = {"name": enterprise.name, "uscc": "", "region_id": str(region("371503").id), "priority": "2",
            "enterprise_id": str(enterprise.id), "summary": "茌平区的提报"}  # fmt: skip
    response = client.post("/whitelist/propose", data=form)
    assert response.status_code == 302, response.data.decode()[:300]
    claim = db.session.scalar(select(WhitelistEntry).where(WhitelistEntry.region_id == region("371503").id))
    assert claim.conflict
    return {"users": users, "enterprise_id": enterprise.id, "held": held, "claim": claim}


# role → may open the enterprise's page (and add contacts), sees the claim entry, sees the held entry
MATRIX = {
    "proposer": (False, True, False),
    "proposer_head": (False, True, False),
    "holder": (True, False, True),
    "holder_head": (True, False, True),
    "manager": (True, True, True),
}


@pytest.mark.parametrize("who", MATRIX)
def test_the_claim_opens_nothing_of_the_holding_county(world, client, login, who):
    opens_enterprise, sees_claim, sees_held = MATRIX[who]
    login(world["users"][who])
    eid, claim, held = world["enterprise_id"], world["claim"], world["held"]
    page = client.get(f"/enterprises/{eid}")
    assert page.status_code == (200 if opens_enterprise else 404)
    assert (SECRET[2] in page.data.decode()) is opens_enterprise
    added = client.post(
        f"/enterprises/{eid}/contacts", data={"name": f"{who}的联系人", "phone": "13900000000"}
    )
    assert added.status_code == (302 if opens_enterprise else 404)
    assert (
        db.session.scalar(select(Contact).where(Contact.name == f"{who}的联系人")) is not None
    ) is opens_enterprise
    assert client.get(f"/whitelist/{claim.id}").status_code == (200 if sees_claim else 404)
    assert client.get(f"/whitelist/{held.id}").status_code == (200 if sees_held else 404)
    listed = client.get("/enterprises/?q=东昌府持有").data.decode()
    assert (f"/enterprises/{eid}" in listed) is opens_enterprise


@pytest.mark.parametrize("who", ["proposer", "proposer_head"])
def test_the_claim_page_shows_the_name_and_the_pending_conflict_only(world, client, login, who):
    login(world["users"][who])
    page = client.get(f"/whitelist/{world['claim'].id}").data.decode()
    assert "东昌府持有精密机械有限公司" in page and 'data-testid="held-elsewhere"' in page
    assert "茌平区的提报" in page  # its own entry's fields
    for hidden in (*SECRET, "东昌府区的洽谈进展", "91371500MA3C8X2Y4M", f"/enterprises/{world['enterprise_id']}",
                   f"#{world['held'].id}", world["users"]["holder"].full_name):  # fmt: skip
        assert hidden not in page, hidden


def test_the_city_deciding_for_the_proposer_opens_the_records(world, client, login, now):
    manager, eid = world["users"]["manager"], world["enterprise_id"]
    proposer = world["users"]["proposer"]
    assert not can_see_enterprise_ids(proposer, [eid])
    conflicts.resolve(manager, world["claim"], region("371503").id, "茌平区先行对接", now)
    assert can_see_enterprise_ids(proposer, [eid]) == {eid}
    login(proposer)
    assert SECRET[2] in client.get(f"/enterprises/{eid}").data.decode()


def test_the_city_deciding_for_the_holder_keeps_them_closed(world, client, login, now):
    manager, eid = world["users"]["manager"], world["enterprise_id"]
    conflicts.resolve(manager, world["claim"], region("371502").id, "东昌府区首报", now)
    login(world["users"]["proposer"])
    assert client.get(f"/enterprises/{eid}").status_code == 404
    assert (
        client.get(f"/whitelist/{world['claim'].id}").status_code == 200
    )  # their dropped claim, still theirs
    assert can_see_enterprise_ids(world["users"]["holder"], [eid]) == {eid}


def test_the_rival_alias_is_built_once_and_every_scope_compiles_alike(app):
    """The scope's "held elsewhere first" names one alias of the entries (building an alias of that wide table per
    call cost ~4 ms of CPU on every entry page): two scopes built apart are the same SQL."""
    from crm.scope import _rival, held_elsewhere_first

    with app.app_context():
        assert _rival() is _rival()
        first = str(select(WhitelistEntry.id).where(held_elsewhere_first()).compile(db.engine))
        again = str(select(WhitelistEntry.id).where(held_elsewhere_first()).compile(db.engine))
        assert first == again and "rival_entry" in first


@pytest.mark.parametrize("who", MATRIX)
def test_the_entry_page_reads_the_claim_with_the_entry_and_decides_as_the_enterprise_scope(world, who):
    """crm.scope.get_entry_page_or_404: an entry that is no mere claim opens its enterprise (no second statement);
    for a claim the page asks enterprise_scope, so both ways agree for every role and entry."""
    from werkzeug.exceptions import NotFound

    from crm.scope import get_entry_page_or_404

    user = world["users"][who]
    for entry in (world["claim"], world["held"]):
        try:
            found, claims = get_entry_page_or_404(user, entry.id)
        except NotFound:
            continue
        assert found.id == entry.id and claims == (entry.id == world["claim"].id)
        held_elsewhere = claims and not can_see_enterprise_ids(user, [found.enterprise_id])
        assert held_elsewhere == (not can_see_enterprise_ids(user, [found.enterprise_id]))
