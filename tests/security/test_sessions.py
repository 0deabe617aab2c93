"""Server-side sessions (issue 20): logout, a new password (the user's own or the administrator's reset) and the
administrator's "sign out everywhere" end sessions on the server, so a copy of the session cookie or of the
remember-me cookie taken before is refused afterwards; API tokens die with a new password and at the
administrator's word; every cookie is HttpOnly, SameSite=Lax, and Secure over HTTPS."""

import hashlib

import pytest
from sqlalchemy import select

from crm.api.tokens import create_token
from crm.auth.models import UserSession
from crm.extensions import db
from crm.types import utcnow
from crm.vocab import Role
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-brand-new-pass-9"
PAGE = "/plans/tasks"


def sign_in(app, user, remember: bool = False, password: str = PASSWORD):
    """A browser of its own, signed in through the login form."""
    browser = app.test_client()
    data = {"username": user.username, "password": password}
    if remember:
        data["remember"] = "y"
    response = browser.post("/auth/login", data=data)
    assert response.status_code == 302, response.data.decode()[:300]
    return browser


def copy_of(app, browser, names=("session", "remember_token")):
    """Another browser holding copies of `browser`'s cookies (as stolen from a shared computer)."""
    thief = app.test_client()
    for name in names:
        cookie = browser.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def refused(browser) -> bool:
    response = browser.get(PAGE)
    return response.status_code == 302 and "/auth/login" in response.location


def api_status(raw: str, client) -> int:
    return client.get("/api/v1/entries", headers={"Authorization": f"Bearer {raw}"}).status_code


def test_a_copied_session_cookie_is_refused_after_logout(app, make_user):
    user = make_user(Role.MEMBER, "371502")
    browser = sign_in(app, user)
    thief = copy_of(app, browser, ("session",))
    assert thief.get(PAGE).status_code == 200  # the copy works while the session lives
    browser.post("/auth/logout")
    assert refused(thief) and refused(browser)


def test_a_copied_remember_cookie_is_refused_after_logout(app, make_user):
    user = make_user(Role.MEMBER, "371502")
    browser = sign_in(app, user, remember=True)
    remember = browser.get_cookie("remember_token").value
    stolen = copy_of(app, browser, ("remember_token",))  # no session cookie: the remember-me cookie alone
    assert stolen.get(PAGE).status_code == 200
    other = sign_in(app, user, remember=True)  # the same user on a second computer
    browser.post("/auth/logout")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert refused(fresh)
    assert other.get(PAGE).status_code == 200  # logging out ends this device only
    assert copy_of(app, other, ("remember_token",)).get(PAGE).status_code == 200


def test_sessions_are_stored_hashed(app, make_user):
    user = make_user(Role.MEMBER, "371502")
    browser = sign_in(app, user, remember=True)
    with browser.session_transaction() as session:
        ref = session["_user_id"]
    row_id, _sep, secret = ref.partition(":")
    row = db.session.get(UserSession, int(row_id))
    assert row.user_id == user.id and row.remember
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in row.token_hash
    assert (
        secret in browser.get_cookie("remember_token").value
    )  # the cookie carries it, the database does not


def test_the_users_own_new_password_ends_the_other_devices_and_the_tokens(app, make_user, client):
    user = make_user(Role.MEMBER, "371502")
    phone = sign_in(app, user, remember=True)
    stolen_session, stolen_remember = (
        copy_of(app, phone, ("session",)),
        copy_of(app, phone, ("remember_token",)),
    )
    _token, raw = create_token(user, "脚本", utcnow())
    assert api_status(raw, client) == 200
    desk = sign_in(app, user)
    response = desk.post(
        "/auth/password", data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert desk.get(PAGE).status_code == 200  # the browser that changed it stays signed in
    assert refused(phone) and refused(stolen_session) and refused(stolen_remember)
    assert api_status(raw, client) == 401
    page = desk.get("/auth/tokens").data.decode()
    assert "修改密码" in page and "已撤销" in page


@pytest.mark.parametrize(
    ("current", "new", "confirm", "says"),
    [
        ("wrong-password", NEW_PASSWORD, NEW_PASSWORD, "当前密码不正确"),
        (PASSWORD, "short", "short", "8"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "两次"),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(app, make_user, current, new, confirm, says):
    user = make_user(Role.MEMBER, "371502")
    other = sign_in(app, user)
    desk = sign_in(app, user)
    response = desk.post("/auth/password", data={"current": current, "new": new, "confirm": confirm})
    assert response.status_code == 200 and says in response.data.decode()
    assert other.get(PAGE).status_code == 200
    sign_in(app, user)  # the old password still works


def test_the_administrators_reset_ends_sessions_remember_cookies_and_tokens(app, make_user, client):
    member = make_user(Role.MEMBER, "371502")
    admin = make_user(Role.ADMIN)
    phone = sign_in(app, member, remember=True)
    stolen = copy_of(app, phone, ("remember_token",))
    _token, raw = create_token(member, "脚本", utcnow())
    desk = sign_in(app, admin)
    form = {"username": member.username, "full_name": member.full_name, "role": "member",
            "region_id": member.region_id, "active": "y", "password": NEW_PASSWORD}  # fmt: skip
    assert desk.post(f"/admin/users/{member.id}", data=form).status_code == 302
    assert refused(phone) and refused(stolen)
    assert api_status(raw, client) == 401
    assert sign_in(app, member, password=NEW_PASSWORD).get(PAGE).status_code == 200


def test_sign_out_everywhere_and_revoke_tokens_from_the_user_page(app, make_user, client):
    member = make_user(Role.MEMBER, "371502")
    admin = make_user(Role.ADMIN)
    phone, laptop = sign_in(app, member, remember=True), sign_in(app, member)
    stolen = copy_of(app, phone, ("remember_token",))
    _token, raw = create_token(member, "离职前的脚本", utcnow())
    desk = sign_in(app, admin)
    page = desk.get(f"/admin/users/{member.id}").data.decode()
    assert "已在 2 台设备上登录" in page and "1 个可用的 API 令牌" in page
    assert desk.post(f"/admin/users/{member.id}/sign-out").status_code == 302
    assert refused(phone) and refused(laptop) and refused(stolen)
    assert api_status(raw, client) == 200  # signing out leaves the tokens: they are revoked separately
    assert desk.post(f"/admin/users/{member.id}/revoke-tokens").status_code == 302
    assert api_status(raw, client) == 401
    assert desk.get(PAGE).status_code == 403 and not refused(desk)  # the administrator stays signed in
    assert sign_in(app, member).get(PAGE).status_code == 200  # the password still works


def test_switching_an_account_off_ends_its_sessions(app, make_user):
    member = make_user(Role.MEMBER, "371502")
    admin = make_user(Role.ADMIN)
    phone = sign_in(app, member, remember=True)
    form = {
        "username": member.username,
        "full_name": member.full_name,
        "role": "member",
        "region_id": member.region_id,
    }  # fmt: skip  (active unticked)
    assert sign_in(app, admin).post(f"/admin/users/{member.id}", data=form).status_code == 302
    assert refused(phone)
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == member.id)) is None


def test_every_cookie_is_httponly_samesite_and_secure_over_https(app, make_user):
    user = make_user(Role.MEMBER, "371502")
    browser = app.test_client()
    response = browser.post("/auth/login", data={"username": user.username, "password": PASSWORD, "remember": "y"},
                            base_url="https://crm.example")  # fmt: skip
    logout = browser.post("/auth/logout", base_url="https://crm.example")
    headers = response.headers.getlist("Set-Cookie") + logout.headers.getlist("Set-Cookie")
    names = {header.split("=", 1)[0] for header in headers}
    assert {"session", "remember_token", "crm_device"} <= names
    for header in headers:
        flags = {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")[1:]}
        assert {"httponly", "secure", "samesite"} <= flags.keys(), header
        assert flags["samesite"].lower() == "samesite=lax", header
    plain = app.test_client().post("/auth/login", data={"username": user.username, "password": PASSWORD,
                                                          "remember": "y"})  # fmt: skip
    for header in plain.headers.getlist("Set-Cookie"):  # plain HTTP (tests, a laptop): not Secure, still Lax
        assert "samesite=lax" in header.lower() and "httponly" in header.lower(), header
