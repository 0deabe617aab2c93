"""Merging a duplicate enterprise into the surviving record: everything moves, the audit is kept, the refusals
say why, and a failure halfway leaves nothing changed."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from crm.enterprises import merge as merging
from crm.enterprises.models import Contact, Enterprise, EnterpriseCategory, EnterpriseMerge
from crm.enterprises.services import CategoryChoice, EnterpriseData, update_enterprise
from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from crm.imports.models import ImportBatch, ImportItem
from crm.plans import logs
from crm.plans.models import ContactLog, Task, log_contacts
from crm.refdata.models import CategoryTag
from crm.teams import assignment
from crm.vocab import Action, State
from crm.whitelist import services as wf
from crm.whitelist.models import Event, WhitelistEntry
from tests.conftest import region
from tests.teams.conftest import campaign, industry  # noqa: F401  (the team fixture, reused)

USCC = "91340600MA2PBM9HXD"


def tag(code: str) -> CategoryTag:
    return db.session.scalar(select(CategoryTag).where(CategoryTag.code == code))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def events_of(enterprise_id: int, action: str | None = None) -> list[Event]:
    query = select(Event).where(Event.enterprise_id == enterprise_id).order_by(Event.id)
    if action:
        query = query.where(Event.action == action)
    return list(db.session.scalars(query))


def snapshot() -> dict:
    """Where everything is, to check that a refused or failed merge changed nothing."""
    return {
        "enterprises": sorted(
            db.session.execute(
                select(
                    Enterprise.id,
                    Enterprise.uscc,
                    Enterprise.name_en,
                    Enterprise.parent_id,
                    Enterprise.version,
                )
            ).all()
        ),
        "entries": sorted(
            db.session.execute(
                select(WhitelistEntry.id, WhitelistEntry.enterprise_id, WhitelistEntry.conflict)
            ).all()
        ),
        "contacts": sorted(db.session.execute(select(Contact.id, Contact.enterprise_id)).all()),
        "events": sorted(db.session.execute(select(Event.id, Event.enterprise_id)).all()),
        "categories": sorted(
            db.session.execute(
                select(EnterpriseCategory.enterprise_id, EnterpriseCategory.tag_id, EnterpriseCategory.rank)
            ).all()
        ),
        "imports": sorted(db.session.execute(select(ImportItem.id, ImportItem.enterprise_id)).all()),
        "merges": count(EnterpriseMerge),
    }


@pytest.fixture
def pair(campaign, make_enterprise, now):  # noqa: F811
    """A survivor on file with little filled in, and a duplicate with everything: an assigned entry in 东昌府区
    with its plan, a contact log naming a contact person, categories, a subsidiary, an import row, an earlier
    merge, and another enterprise's proposal that named it as a look-alike."""
    p, teams, whitelisted = campaign
    manager = p["manager"]
    survivor = make_enterprise(
        manager,
        name="华夏精密机械有限公司",
        categories=[CategoryChoice(tag("fortune_global_500").id), CategoryChoice(tag("gazelle").id)],
        notes="市局掌握的情况",
    )
    entry = whitelisted("华夏精密机械（聊城）有限公司")
    duplicate = entry.enterprise
    update_enterprise(
        duplicate,
        EnterpriseData(
            name=duplicate.name, uscc=USCC, name_en="Huaxia Precision", hq="山东济南",
            industry_id=industry("装备制造").id, website="https://huaxia.example.cn", notes="县里掌握的情况",
            categories=[CategoryChoice(tag("fortune_global_500").id, rank=321, list_year=2025),
                        CategoryChoice(tag("specialised").id)],
        ),
        None, manager, now,
    )  # fmt: skip
    assignment.assign(p["lead"], entry, teams["A"], p["member"], now)
    log = logs.record_log(
        p["member"], entry,
        logs.LogData(now - timedelta(hours=1), "visit", "上门拜访", new_contact_name="王经理"),
        now, Path("/nonexistent"),
    )  # fmt: skip
    subsidiary = make_enterprise(manager, name="华夏精密东阿分公司", parent_id=duplicate.id)
    batch = ImportBatch(kind="enterprises", filename="企业.xlsx", created_by_id=manager.id)
    db.session.add(ImportItem(batch=batch, row_number=2, action="updated", enterprise_id=duplicate.id))
    earlier = make_enterprise(manager, name="华夏精机")
    merging.merge(manager, duplicate, earlier, "同一家企业的简称", None, None, now)
    other = make_enterprise(manager, name="华夏精密仪器有限公司")
    lookalike = wf.propose(
        p["other_proposer"],
        other,
        wf.EntryData(region_id=region("371503").id),
        now,
        similar_ids=[duplicate.id],
    )
    db.session.commit()
    return {
        "p": p, "manager": manager, "survivor": survivor, "duplicate": duplicate, "entry": entry, "log": log,
        "subsidiary": subsidiary, "lookalike": lookalike, "earlier_id": earlier.id,
    }  # fmt: skip


def test_preview_lists_what_moves_and_what_is_filled(pair):
    plan = merging.preview(pair["survivor"], pair["duplicate"])
    assert not plan.blocked
    assert plan.moves["entries"] == 1 and plan.moves["contacts"] == 1 and plan.moves["subsidiaries"] == 1
    assert plan.moves["categories"] == 1  # 专精特新; 世界500强 is on both
    assert plan.moves["import_items"] == 1 and plan.moves["merges"] == 1
    assert plan.moves["events"] == len(events_of(pair["duplicate"].id))
    assert set(plan.fills) == {"uscc", "name_en", "hq", "industry_id", "website"}
    assert "县里掌握的情况" in plan.notes and plan.notes.startswith("市局掌握的情况")


def test_merge_moves_everything_and_keeps_the_audit(pair, now):
    s, d, manager = pair["survivor"], pair["duplicate"], pair["manager"]
    d_id, entry_id, s_version = d.id, pair["entry"].id, s.version
    d_events = {e.id for e in events_of(d_id)}
    tasks = count(Task, Task.entry_id == entry_id)
    assert tasks > 0

    record = merging.merge(manager, s, d, "同一统一社会信用代码", s.version, d.version, now)
    db.session.expire_all()

    assert db.session.get(Enterprise, d_id) is None
    s = db.session.get(Enterprise, s.id)
    assert s.version > s_version
    # Fields: empty ones filled, the unique credit code moved, notes appended, name keys derived from the name.
    assert (s.uscc, s.name_en, s.hq, s.website) == (
        USCC,
        "Huaxia Precision",
        "山东济南",
        "https://huaxia.example.cn",
    )
    assert s.industry.name == "装备制造"
    assert "市局掌握的情况" in s.notes and "县里掌握的情况" in s.notes
    assert s.name_initials == "hxjmjxyxgs"
    # Categories: the union; the survivor's 世界500强 had no rank, so it takes the duplicate's.
    cats = {c.tag.code: (c.rank, c.list_year) for c in s.categories}
    assert cats == {"fortune_global_500": (321, 2025), "gazelle": (None, None), "specialised": (None, None)}
    # The entry with its plan and log, the contact (still linked to the log), events, subsidiary, import row.
    entry = db.session.get(WhitelistEntry, entry_id)
    assert entry.enterprise_id == s.id and entry.state == State.CONTACTING
    assert count(Task, Task.entry_id == entry_id) == tasks
    assert count(ContactLog, ContactLog.entry_id == entry_id) == 1
    contact = db.session.scalar(select(Contact).where(Contact.name == "王经理"))
    assert contact.enterprise_id == s.id
    assert db.session.execute(select(log_contacts.c.contact_id)).scalars().all() == [contact.id]
    assert d_events <= {e.id for e in events_of(s.id)}
    assert db.session.get(Enterprise, pair["subsidiary"].id).parent_id == s.id
    assert events_of(pair["subsidiary"].id, Action.ENTERPRISE_EDIT)[-1].actor_id == manager.id
    assert db.session.scalar(select(ImportItem.enterprise_id)) == s.id
    assert db.session.get(WhitelistEntry, pair["lookalike"].id).lookalikes == [s.id]
    # The audit: this merge, and the earlier one into the duplicate now also points at the survivor.
    merges = db.session.scalars(select(EnterpriseMerge).order_by(EnterpriseMerge.id)).all()
    assert [m.survivor_id for m in merges] == [s.id, s.id]
    assert (record.merged_id, record.merged_name, record.merged_uscc) == (
        d_id,
        "华夏精密机械（聊城）有限公司",
        USCC,
    )
    assert record.actor_id == manager.id and record.reason == "同一统一社会信用代码"
    moved = json.loads(record.moved)
    assert moved["entries"] == 1 and moved["contacts"] == 1 and moved["subsidiaries"] == 1
    event = events_of(s.id, Action.MERGE)[-1]
    assert event.reason == "同一统一社会信用代码" and "华夏精密机械（聊城）有限公司" in event.detail
    assert USCC in event.detail and "统一社会信用代码" in event.detail  # the filled field, as 'old → new'


def test_the_merge_screens(pair, client, login):
    s, d = pair["survivor"], pair["duplicate"]
    s_id, d_id = s.id, d.id
    login(pair["manager"])
    assert "/merge" in client.get(f"/enterprises/{s_id}").data.decode()
    page = client.get(f"/enterprises/{s_id}/merge").data.decode()
    assert 'data-testid="merge-suggestions"' in page and f"duplicate={d_id}" in page  # a similar name
    page = client.get(f"/enterprises/{s_id}/merge?q={USCC}").data.decode()
    assert 'data-testid="merge-results"' in page and "华夏精密机械（聊城）有限公司" in page
    page = client.get(f"/enterprises/{s_id}/merge?duplicate={d_id}").data.decode()
    assert 'data-testid="merge-moves"' in page and "Huaxia Precision" in page
    assert 'name="reason"' in page and 'data-testid="merge-problem"' not in page

    form = {
        "duplicate_id": d_id,
        "survivor_version": s.version,
        "duplicate_version": d.version,
        "reason": " ",
    }
    assert client.post(f"/enterprises/{s_id}/merge", data=form).status_code == 422  # a reason is required
    response = client.post(f"/enterprises/{s_id}/merge", data={**form, "reason": "同一企业"})
    assert response.status_code == 302 and response.location.endswith(f"/enterprises/{s_id}")
    page = client.get(response.location).data.decode()
    assert (
        'data-testid="merges"' in page and "华夏精密机械（聊城）有限公司" in page and "合并重复企业" in page
    )
    assert client.get(f"/enterprises/{d_id}").status_code == 404
    assert client.get(f"/enterprises/{d_id}/merge").status_code == 404


def test_only_managers_merge(pair, client, login, now):
    s, d, p = pair["survivor"], pair["duplicate"], pair["p"]
    with pytest.raises(Forbidden):
        merging.merge(p["head"], s, d, "同一企业", None, None, now)
    login(p["head"])
    assert client.get(f"/enterprises/{s.id}/merge").status_code == 403
    form = {
        "duplicate_id": d.id,
        "survivor_version": s.version,
        "duplicate_version": d.version,
        "reason": "x",
    }
    assert client.post(f"/enterprises/{s.id}/merge", data=form).status_code == 403
    assert "/merge" not in client.get(f"/enterprises/{d.id}").data.decode()
    assert db.session.get(Enterprise, d.id) is not None


def test_merging_into_itself_is_refused(pair, client, login, now):
    s = pair["survivor"]
    with pytest.raises(DomainError):
        merging.merge(pair["manager"], s, s, "同一企业", None, None, now)
    login(pair["manager"])
    page = client.get(f"/enterprises/{s.id}/merge?duplicate={s.id}").data.decode()
    assert 'data-testid="merge-problem"' in page and 'name="reason"' not in page
    form = {
        "duplicate_id": s.id,
        "survivor_version": s.version,
        "duplicate_version": s.version,
        "reason": "自己",
    }
    assert client.post(f"/enterprises/{s.id}/merge", data=form).status_code == 422
    assert db.session.get(Enterprise, s.id) is not None


def test_one_county_may_not_end_up_with_two_live_entries(pair, client, login, make_entry, now):
    s, d, p = pair["survivor"], pair["duplicate"], pair["p"]
    own = make_entry(p["proposer"], enterprise=s)  # 东昌府区 proposes the survivor too
    before = snapshot()
    with pytest.raises(DomainError, match="东昌府区") as refused:
        merging.merge(pair["manager"], s, d, "同一企业", None, None, now)
    assert f"#{own.id}" in str(refused.value) and f"#{pair['entry'].id}" in str(refused.value)
    assert snapshot() == before

    # Over HTTP: refused, with the county named and the reason the manager typed still in the box.
    login(pair["manager"])
    form = {"duplicate_id": d.id, "survivor_version": s.version, "duplicate_version": d.version,
            "reason": "工商信息一致，系重复建档"}  # fmt: skip
    response = client.post(f"/enterprises/{s.id}/merge", data=form)
    page = response.data.decode()
    assert response.status_code == 422
    assert "东昌府区" in page and "工商信息一致，系重复建档" in page
    assert snapshot() == before

    # Once one of the two entries is dropped, the merge goes ahead.
    wf.drop(p["head"], own, "重复提报", now)
    merging.merge(pair["manager"], s, d, "同一企业", None, None, now)
    assert count(WhitelistEntry, WhitelistEntry.enterprise_id == s.id) == 2


def test_a_merge_from_an_old_page_names_who_changed_the_record(pair, client, login, now):
    s, d, p = pair["survivor"], pair["duplicate"], pair["p"]
    s_id, d_id, s_version, d_version = s.id, d.id, s.version, d.version
    login(pair["manager"])
    form = {"duplicate_id": d_id, "survivor_version": s_version, "duplicate_version": d_version,
            "reason": "页面打开后他人改过"}  # fmt: skip
    update_enterprise(d, EnterpriseData(name=d.name, uscc=d.uscc, hq="山东聊城"), None, p["lead"], now)
    with pytest.raises(StaleRecord, match=p["lead"].full_name):
        merging.merge(pair["manager"], s, d, "同一企业", s_version, d_version, now)

    response = client.post(f"/enterprises/{s_id}/merge", data=form)
    page = response.data.decode()
    assert response.status_code == 409
    assert p["lead"].full_name in page and "页面打开后他人改过" in page
    assert db.session.get(Enterprise, d_id) is not None and count(EnterpriseMerge) == 1  # only the fixture's
    # The page now carries the current versions: confirming again merges.
    new_version = db.session.get(Enterprise, d_id).version
    assert f'value="{new_version}"' in page
    response = client.post(f"/enterprises/{s_id}/merge", data={**form, "duplicate_version": new_version})
    assert response.status_code == 302


def test_a_concurrent_change_between_the_check_and_the_write_is_caught(pair, now):
    s, d = pair["survivor"], pair["duplicate"]
    before = snapshot()
    # Another request saves the duplicate after this one loaded it (so the version check itself passes).
    with db.engine.begin() as conn:
        conn.execute(update(Enterprise).where(Enterprise.id == d.id).values(version=Enterprise.version + 1))
    with pytest.raises(StaleRecord, match=pair["manager"].full_name):  # the last event on the duplicate
        merging.merge(pair["manager"], s, d, "同一企业", s.version, d.version, now)
    db.session.expire_all()
    assert {**snapshot(), "enterprises": None} == {**before, "enterprises": None}
    assert db.session.get(Enterprise, d.id).uscc == USCC


def test_a_failure_halfway_changes_nothing(pair, monkeypatch, now):
    s, d = pair["survivor"], pair["duplicate"]
    before = snapshot()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(merging, "_flag_cross_county", boom)  # after the moves have been flushed
    with pytest.raises(RuntimeError):
        merging.merge(pair["manager"], s, d, "同一企业", None, None, now)
    db.session.expire_all()
    assert snapshot() == before
    assert db.session.get(Enterprise, d.id).uscc == USCC


def test_claims_of_two_counties_become_a_conflict_for_the_city(campaign, now):  # noqa: F811
    p, _teams, whitelisted = campaign
    first = whitelisted("聊城远航重工有限公司", code="371503")
    later = whitelisted("远航重工（聊城）有限公司")
    merging.merge(p["manager"], first.enterprise, later.enterprise, "同一企业", None, None, now)
    db.session.expire_all()
    first, later = db.session.get(WhitelistEntry, first.id), db.session.get(WhitelistEntry, later.id)
    assert not first.conflict  # the first claim keeps its place (首报首谈)
    assert later.conflict and "茌平区" in later.conflict_note
    assert [e.entry_id for e in events_of(first.enterprise_id, Action.CONFLICT)] == [later.id]


def test_groups_stay_one_level_deep_with_no_self_reference(campaign, make_enterprise, now):  # noqa: F811
    p, *_ = campaign
    manager = p["manager"]
    parent = make_enterprise(manager, name="远大控股集团有限公司")
    child = make_enterprise(manager, name="远大新材料有限公司", parent_id=parent.id)
    sibling = make_enterprise(manager, name="远大物流有限公司", parent_id=parent.id)
    # The group's parent recorded twice, once as its own subsidiary: the subsidiary record survives and heads
    # the group in its place.
    merging.merge(manager, child, parent, "母公司重复建档", None, None, now)
    db.session.expire_all()
    assert db.session.get(Enterprise, child.id).parent_id is None
    assert db.session.get(Enterprise, sibling.id).parent_id == child.id
    # A subsidiary merged into its parent leaves no self-reference.
    merging.merge(manager, child, sibling, "子公司重复建档", None, None, now)
    db.session.expire_all()
    assert db.session.get(Enterprise, child.id).parent_id is None
    # A survivor outside any group joins the duplicate's group.
    head = make_enterprise(manager, name="东岳集团有限公司")
    dup = make_enterprise(manager, name="东岳化工有限公司", parent_id=head.id)
    lone = make_enterprise(manager, name="东岳化工（聊城）有限公司")
    merging.merge(manager, lone, dup, "同一企业", None, None, now)
    assert db.session.get(Enterprise, lone.id).parent_id == head.id


def test_a_merge_that_would_loop_a_group_is_refused(campaign, make_enterprise, now):  # noqa: F811
    p, *_ = campaign
    manager = p["manager"]
    # Records from before the one-level rule: the survivor sits under a subsidiary of the duplicate.
    duplicate = make_enterprise(manager, name="环宇集团有限公司")
    middle = make_enterprise(manager, name="环宇机械有限公司", parent_id=duplicate.id)
    survivor = make_enterprise(manager, name="环宇集团（聊城）有限公司")
    survivor.parent_id = middle.id
    db.session.commit()
    plan = merging.preview(survivor, duplicate)
    assert plan.blocked
    with pytest.raises(DomainError, match="环宇机械有限公司"):
        merging.merge(manager, survivor, duplicate, "同一企业", None, None, now)
    assert db.session.get(Enterprise, duplicate.id) is not None
