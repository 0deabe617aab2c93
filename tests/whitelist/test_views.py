"""The propose, edit and action screens over HTTP: rejected input keeps what was typed, duplicates warn."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.refdata.models import CategoryTag
from crm.whitelist import queries
from crm.whitelist.models import WhitelistEntry
from tests.conftest import region

VALID_USCC = "91340600MA2PBM9HXD"


def propose_form(**overrides) -> dict:
    data = {
        "name": "鸿远示范新材料有限公司",
        "uscc": VALID_USCC,
        "region_id": str(region("371502").id),
        "planned_investment": "50000",
        "summary": "新材料生产基地",
        "priority": "1",
        "campaign": "duobiao",
        "mode": "tech",
    }
    data.update(overrides)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_propose_creates_enterprise_entry_and_history(client, make_user, login):
    login(make_user("member", "371502"))
    tag = db.session.scalar(select(CategoryTag).where(CategoryTag.code == "fortune_global_500"))
    form = propose_form(**{f"cat_{tag.id}": "1", f"rank_{tag.id}": "123", f"year_{tag.id}": "2025"})
    response = client.post("/whitelist/propose", data=form)
    assert response.status_code == 302
    entry = db.session.scalar(select(WhitelistEntry))
    assert entry.enterprise.uscc == VALID_USCC
    assert entry.planned_investment == 50000 and entry.review_stage == "county"
    assert [(c.tag_id, c.rank, c.list_year) for c in entry.enterprise.categories] == [(tag.id, 123, 2025)]
    page = client.get(response.location).data.decode()
    assert "拟入库" in page and "提报" in page and "世界500强" in page


def test_invalid_credit_code_keeps_everything_typed(client, make_user, login):
    login(make_user("member", "371502"))
    tag = db.session.scalar(select(CategoryTag).where(CategoryTag.code == "gazelle"))
    response = client.post(
        "/whitelist/propose",
        data=propose_form(uscc="91340600MA2PBM9HXE", summary="保留我", **{f"cat_{tag.id}": "1"}),
    )
    page = response.data.decode()
    assert response.status_code == 200
    assert "is-invalid" in page and "校验" in page
    assert (
        'value="鸿远示范新材料有限公司"' in page and "保留我" in page and 'value="91340600MA2PBM9HXE"' in page
    )
    assert f'id="cat_{tag.id}" value="1" checked' in page
    assert count(Enterprise) == 0 and count(WhitelistEntry) == 0


def test_bad_rank_is_refused_without_losing_input(client, make_user, login):
    login(make_user("member", "371502"))
    tag = db.session.scalar(select(CategoryTag).where(CategoryTag.code == "china_500"))
    response = client.post(
        "/whitelist/propose", data=propose_form(**{f"cat_{tag.id}": "1", f"rank_{tag.id}": "abc"})
    )
    page = response.data.decode()
    assert "中国企业500强" in page and 'value="abc"' in page
    assert count(WhitelistEntry) == 0


def test_similar_name_warns_then_confirm_creates(client, make_user, make_enterprise, login):
    member = make_user("member", "371502")
    existing = make_enterprise(member, name="鸿远示范新材料集团有限公司")
    login(member)
    response = client.post("/whitelist/propose", data=propose_form(uscc=""))
    page = response.data.decode()
    assert 'data-testid="duplicates"' in page and "鸿远示范新材料集团有限公司" in page
    assert f'href="/enterprises/{existing.id}"' in page
    assert count(WhitelistEntry) == 0
    response = client.post("/whitelist/propose", data=propose_form(uscc="", confirm_new="y"))
    assert response.status_code == 302
    assert count(Enterprise) == 2


def test_duplicate_outside_scope_is_named_without_a_link(client, make_user, make_entry, login):
    other = make_entry(make_user("member", "371503"), name="鸿远示范新材料集团有限公司")
    login(make_user("member", "371502"))
    page = client.post("/whitelist/propose", data=propose_form(uscc="")).data.decode()
    assert "鸿远示范新材料集团有限公司" in page
    assert f'href="/enterprises/{other.enterprise_id}"' not in page


def test_same_credit_code_must_use_the_existing_record(client, make_user, make_enterprise, login):
    member = make_user("member", "371502")
    existing = make_enterprise(member, name="完全不同的名称有限公司", uscc=VALID_USCC)
    login(member)
    page = client.post("/whitelist/propose", data=propose_form(confirm_new="y")).data.decode()
    assert "已有" in page or "已在" in page
    assert count(Enterprise) == 1
    response = client.post("/whitelist/propose", data=propose_form(enterprise_id=str(existing.id)))
    assert response.status_code == 302
    assert db.session.scalar(select(WhitelistEntry.enterprise_id)) == existing.id


def test_review_approve_through_http_and_timeline(client, make_user, make_entry, login):
    entry = make_entry(make_user("member", "371502"))
    login(make_user("county_head", "371502"))
    assert entry.enterprise.name in client.get("/whitelist/review").data.decode()
    response = client.post(f"/whitelist/{entry.id}/approve", data={"version": entry.version})
    assert response.status_code == 302
    login(make_user("manager"))
    client.post(f"/whitelist/{entry.id}/approve", data={"version": entry.version})
    db.session.refresh(entry)
    assert entry.state == "whitelisted"
    page = client.get(f"/whitelist/{entry.id}").data.decode()
    assert page.count("审核通过") >= 2 and "已入库" in page


def test_stale_action_says_who_changed_it_and_keeps_the_reason(client, make_user, make_entry, login, now):
    entry = make_entry(make_user("member", "371502"))
    seen = entry.version
    head = make_user("county_head", "371502")
    login(head)
    client.post(f"/whitelist/{entry.id}/approve", data={"version": seen})
    login(make_user("manager"))
    response = client.post(
        f"/whitelist/{entry.id}/return", data={"version": seen, "reason": "我写的退回理由"}
    )
    page = response.data.decode()
    assert response.status_code == 409
    assert head.full_name in page and "我写的退回理由" in page
    db.session.refresh(entry)
    assert entry.state == "proposed" and entry.review_stage == "city"


def test_drop_without_reason_is_refused_and_nothing_changes(client, make_user, make_entry, login):
    entry = make_entry(make_user("member", "371502"))
    login(make_user("manager"))
    response = client.post(f"/whitelist/{entry.id}/drop", data={"version": entry.version, "reason": ""})
    assert response.status_code == 422
    db.session.refresh(entry)
    assert entry.state == "proposed"


def test_edit_form_keeps_input_on_error_and_detects_stale_writes(client, make_user, make_entry, login):
    member = make_user("member", "371502")
    entry = make_entry(member)
    login(member)
    base = {"region_id": entry.region_id, "priority": "2", "version": entry.version}
    response = client.post(
        f"/whitelist/{entry.id}/edit", data={**base, "planned_investment": "-5", "summary": "留着"}
    )
    assert (
        response.status_code == 200
        and "留着" in response.data.decode()
        and "is-invalid" in response.data.decode()
    )
    ok = client.post(f"/whitelist/{entry.id}/edit", data={**base, "planned_investment": "800"})
    assert ok.status_code == 302
    stale = client.post(
        f"/whitelist/{entry.id}/edit", data={**base, "planned_investment": "900", "summary": "迟到"}
    )
    assert "迟到" in stale.data.decode() and member.full_name in stale.data.decode()
    db.session.refresh(entry)
    assert entry.planned_investment == 800


def test_enterprise_edit_records_changes_and_refuses_stale(
    client, make_user, make_enterprise, make_entry, login
):
    lead = make_user("lead", "371502")
    ent = make_enterprise(lead, name="旧名称有限公司")
    make_entry(lead, enterprise=ent)
    login(lead)
    form = {"name": "新名称有限公司", "version": ent.version, "ent_industry_id": "0"}
    assert client.post(f"/enterprises/{ent.id}/edit", data=form).status_code == 302
    page = client.get(f"/enterprises/{ent.id}").data.decode()
    assert "企业名称: 旧名称有限公司 → 新名称有限公司" in page
    stale = client.post(f"/enterprises/{ent.id}/edit", data={**form, "name": "第三个名称"})
    page = stale.data.decode()
    assert stale.status_code == 200 and "第三个名称" in page
    assert lead.full_name in page and "刷新" in page  # who changed it, and what to do
    db.session.refresh(ent)
    assert ent.name == "新名称有限公司"


def test_contact_form_errors_keep_input(client, make_user, make_entry, login):
    member = make_user("member", "371502")
    entry = make_entry(member)
    login(member)
    response = client.post(
        f"/enterprises/{entry.enterprise_id}/contacts", data={"name": "王经理", "email": "bad"}
    )
    assert response.status_code == 422 and 'value="王经理"' in response.data.decode()
    ok = client.post(
        f"/enterprises/{entry.enterprise_id}/contacts", data={"name": "王经理", "phone": "0635-1234567"}
    )
    assert ok.status_code == 302
    assert "王经理" in client.get(f"/enterprises/{entry.enterprise_id}").data.decode()


def test_list_filters_and_search(client, make_user, make_entry, login):
    member = make_user("member", "371502")
    make_entry(member, name="华夏钢铁有限公司", campaign="duobiao", mode="mna")
    make_entry(member, name="青岚生物制造有限公司", campaign="jinwei", mode="tech")
    login(member)

    def names(query: str) -> set[str]:
        page = client.get("/whitelist/?" + query).data.decode()
        return {n for n in ("华夏钢铁有限公司", "青岚生物制造有限公司") if n in page}

    assert names("") == {"华夏钢铁有限公司", "青岚生物制造有限公司"}
    assert names("q=hxgt") == {"华夏钢铁有限公司"}  # pinyin initials
    assert names("q=青岚") == {"青岚生物制造有限公司"}
    assert names("campaign=jinwei") == {"青岚生物制造有限公司"}
    assert names("mode=mna") == {"华夏钢铁有限公司"}
    assert names("state=whitelisted") == set()
    assert names(f"region={region('371503').id}") == set()


def test_search_by_credit_code_sort_and_pagination(
    app, client, make_user, make_entry, make_enterprise, login
):
    member = make_user("member", "371502")
    coded = make_enterprise(member, name="代码检索企业有限公司", uscc=VALID_USCC)
    make_entry(member, enterprise=coded, planned_investment=10)
    for i in range(app.config["PER_PAGE"] + 2):
        make_entry(member, name=f"分页企业{i:02d}有限公司", planned_investment=1000 + i)
    login(member)
    assert "代码检索企业有限公司" in client.get("/whitelist/?q=91340600ma2p").data.decode()
    first = client.get("/whitelist/?sort=investment").data.decode()
    assert "分页企业21有限公司" in first and "代码检索企业有限公司" not in first  # largest first, 20 a page
    second = client.get("/whitelist/?sort=investment&page=2").data.decode()
    assert "代码检索企业有限公司" in second and "分页企业21有限公司" not in second
    assert client.get("/whitelist/?page=abc&sort=evil&region=xyz").status_code == 200


@pytest.mark.parametrize("few_matches", [5000, 0], ids=["sorted-whole", "index-order"])
def test_a_search_lists_its_matches_newest_first_whichever_way_they_are_read(
    app, client, make_user, make_entry, login, now, monkeypatch, few_matches
):
    """list_page sorts a search with few matches whole (PostgreSQL) and reads a search with many in the index's
    order: both must give the list's newest-first order, ties by number."""
    monkeypatch.setattr(queries, "FEW_MATCHES", few_matches)
    member = make_user("member", "371502")
    made = [
        make_entry(member, name=f"排序检索{i}有限公司", at=now + timedelta(minutes=minutes))
        for i, minutes in enumerate([5, 30, 5, 10])
    ]
    make_entry(member, name="无关企业有限公司", at=now + timedelta(hours=1))
    login(member)
    page = client.get("/whitelist/?q=排序检索").data.decode()
    shown = [name for name in re.findall(r"排序检索\d有限公司", page)]
    expected = sorted(made, key=lambda e: (e.updated_at, e.id), reverse=True)
    assert list(dict.fromkeys(shown)) == [e.enterprise.name for e in expected]
    assert "无关企业有限公司" not in page
