"""The navigation bar and the palette, kept per process (crm.chrome): what a kept navigation shows is what a
fresh one shows; it follows the page, the unread count and the user's name; and the logout form in it always
carries the session's own CSRF token."""

import re

import pytest
from sqlalchemy import update

from crm import chrome
from crm.auth.models import User
from crm.extensions import db
from crm.inbox.services import notify
from crm.types import utcnow
from tests.conftest import PASSWORD

NAV = re.compile(r'<nav class="navbar.*?</nav>', re.S)
PALETTE = re.compile(r'<div class="palette-backdrop".*?</script>', re.S)
TOKEN = re.compile(r'action="/auth/logout".*?name="csrf_token" value="([^"]+)"', re.S)


@pytest.fixture(autouse=True)
def _nothing_kept():
    chrome.forget()
    yield
    chrome.forget()


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def nav(page: str) -> str:
    return NAV.search(page).group(0)


def logged_in(app, user: User):
    """A browser of its own, logged in through the form with its CSRF token."""
    client = app.test_client()
    form = client.get("/auth/login").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form) or re.search(
        r'name="csrf_token" value="([^"]+)"', form
    )
    data = {"username": user.username, "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
    assert client.post("/auth/login", data=data).status_code == 302
    return client


def _tokenless(html: str) -> str:
    return re.sub(r'(name="csrf_token" value=")[^"]+"', r'\1…"', html)


@pytest.mark.parametrize("role", ["member", "lead", "county_head", "manager", "admin"])
def test_a_kept_navigation_is_the_navigation_rendered_afresh(client, make_user, login, role):
    login(make_user(role, None if role in ("manager", "admin") else "371502"))
    for url in ("/", "/inbox/"):
        fresh = client.get(url, follow_redirects=True).data.decode()
        kept = client.get(url, follow_redirects=True).data.decode()  # the second from the kept navigation
        # The logout form's token is signed with the second it was made in: the two requests may straddle one.
        assert _tokenless(nav(kept)) == _tokenless(nav(fresh)) and TOKEN.search(kept) and TOKEN.search(fresh)
        assert PALETTE.search(kept).group(0) == PALETTE.search(fresh).group(0)
        chrome.forget()
    assert "\x00" not in kept  # the token's placeholder never reaches a page


def test_the_kept_navigation_follows_the_page_the_unread_count_and_the_name(client, make_user, login):
    member = make_user("member", "371502")
    login(member)
    tasks = client.get("/plans/tasks").data.decode()
    assert re.search(r'href="/plans/tasks" aria-current="page"', nav(tasks))
    inbox = client.get("/inbox/").data.decode()
    assert 'href="/plans/tasks" aria-current' not in nav(inbox)
    assert 'data-testid="inbox-link" aria-current="page"' in nav(inbox)
    assert 'data-testid="unread"' not in nav(client.get("/plans/tasks").data.decode())

    notify([member], kind="assigned", title="新的攻坚目标：聊城华夏精密机械有限公司", now=utcnow())
    db.session.commit()
    assert 'data-testid="unread">1<' in nav(client.get("/plans/tasks").data.decode())

    db.session.execute(update(User).where(User.id == member.id).values(full_name="张　晓明"))
    db.session.commit()
    assert "张　晓明" in nav(client.get("/plans/tasks").data.decode())


def test_each_session_gets_its_own_token_in_a_kept_navigation(app, make_user, csrf_on):
    member = make_user("member", "371502")
    phone, desk = logged_in(app, member), logged_in(app, member)  # one person, two browsers: one key
    phone_token = TOKEN.search(phone.get("/inbox/").data.decode()).group(1)
    desk_token = TOKEN.search(desk.get("/inbox/").data.decode()).group(1)
    assert phone_token != desk_token
    # Each browser's token is the one its session accepts: the phone cannot log out with the desk's.
    assert phone.post("/auth/logout", data={"csrf_token": desk_token}).status_code == 400
    assert phone.post("/auth/logout", data={"csrf_token": phone_token}).status_code == 302
    assert desk.post("/auth/logout", data={"csrf_token": desk_token}).status_code == 302
