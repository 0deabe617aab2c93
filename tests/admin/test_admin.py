"""Administration of users and reference data."""

from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.refdata.models import CategoryTag, Industry, Region
from crm.settings import get_setting
from tests.conftest import PASSWORD, region


def test_admin_creates_a_user_who_can_log_in(client, make_user, login):
    login(make_user("admin"))
    form = {
        "username": "wang",
        "full_name": "王五",
        "role": "county_head",
        "region_id": str(region("371522").id),
        "password": "long-password-1",
        "active": "y",
    }
    assert client.post("/admin/users/new", data=form).status_code == 302
    user = db.session.scalar(select(User).where(User.username == "wang"))
    assert user.region.name == "莘县" and user.check_password("long-password-1")
    client.post("/auth/logout")
    assert (
        client.post("/auth/login", data={"username": "wang", "password": "long-password-1"}).status_code
        == 302
    )


def test_user_form_refuses_bad_input_and_keeps_it(client, make_user, login):
    login(make_user("admin"))
    form = {
        "username": "li",
        "full_name": "李四",
        "role": "county_head",
        "region_id": "0",
        "password": "short",
    }
    page = client.post("/admin/users/new", data=form).data.decode()
    assert 'value="李四"' in page and page.count("is-invalid") >= 2
    assert db.session.scalar(select(User).where(User.username == "li")) is None


def test_duplicate_user_name_is_refused(client, make_user, login):
    admin = make_user("admin")
    login(admin)
    form = {
        "username": admin.username,
        "full_name": "重名",
        "role": "member",
        "region_id": "0",
        "password": "long-password-1",
    }
    page = client.post("/admin/users/new", data=form).data.decode()
    assert "已被使用" in page or "已存在" in page or "已占用" in page
    assert db.session.scalar(select(User).where(User.full_name == "重名")) is None


def test_editing_a_user_keeps_the_password_when_left_empty(client, make_user, login):
    login(make_user("admin"))
    member = make_user("member", "371502")
    form = {
        "username": member.username,
        "full_name": "改名",
        "role": "lead",
        "region_id": str(member.region_id),
        "password": "",
        "active": "y",
    }
    assert client.post(f"/admin/users/{member.id}", data=form).status_code == 302
    db.session.refresh(member)
    assert (member.full_name, member.role, member.is_active_flag) == ("改名", "lead", True)
    assert member.check_password(PASSWORD)


def test_unticking_active_locks_the_user_out(client, make_user, login):
    login(make_user("admin"))
    member = make_user("member", "371502")
    form = {"username": member.username, "full_name": member.full_name, "role": "member", "region_id": "0"}
    assert client.post(f"/admin/users/{member.id}", data=form).status_code == 302
    client.post("/auth/logout")
    assert (
        client.post("/auth/login", data={"username": member.username, "password": PASSWORD}).status_code
        == 200
    )


def test_industry_cannot_move_under_its_own_child(client, make_user, login):
    login(make_user("admin"))
    parent = db.session.scalar(select(Industry).where(Industry.name == "五大优势产业"))
    child = db.session.scalar(select(Industry).where(Industry.name == "高端轴承"))
    form = {
        "name": parent.name,
        "parent_id": str(child.id),
        "sort": "0",
        "active": "y",
        "is_manufacturing": "y",
    }
    page = client.post(f"/admin/industries/{parent.id}", data=form).data.decode()
    assert "不能" in page
    db.session.refresh(parent)
    assert parent.parent_id is None


def test_admin_renames_and_adds_reference_data(client, make_user, login):
    login(make_user("admin"))
    node = db.session.scalar(select(Industry).where(Industry.name == "氢能"))
    form = {
        "name": "氢能与储能",
        "parent_id": str(node.parent_id),
        "sort": "1",
        "active": "y",
        "is_emerging": "y",
    }
    assert client.post(f"/admin/industries/{node.id}", data=form).status_code == 302
    db.session.refresh(node)
    assert (node.name, node.is_emerging, node.is_manufacturing) == ("氢能与储能", True, False)
    tag = {
        "code": "top_100_private",
        "name": "民营企业百强",
        "group": "top500",
        "has_rank": "y",
        "sort": "3",
        "active": "y",
    }
    assert client.post("/admin/tags/new", data=tag).status_code == 302
    assert db.session.scalar(select(CategoryTag).where(CategoryTag.code == "top_100_private")).has_rank
    clash = client.post(
        "/admin/regions/new", data={"code": "371502", "name": "重复区", "kind": "county", "sort": "0"}
    )
    assert (
        clash.status_code == 200 and db.session.scalar(select(Region).where(Region.name == "重复区")) is None
    )


def test_settings_are_validated(client, make_user, login):
    login(make_user("admin"))
    bad = client.post(
        "/admin/settings",
        data={"approval_chain": "city_only", "first_claim_days": "0", "name_similarity": "90"},
    )
    assert bad.status_code == 200 and "is-invalid" in bad.data.decode()
    assert get_setting("approval_chain") == "county_then_city"  # nothing saved from a rejected form
    ok = client.post(
        "/admin/settings",
        data={"approval_chain": "city_only", "first_claim_days": "90", "name_similarity": "85"},
    )
    assert ok.status_code == 302
    assert (get_setting("approval_chain"), get_setting("first_claim_days")) == ("city_only", "90")
