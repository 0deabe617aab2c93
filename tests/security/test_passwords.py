"""The password policy (crm/auth/services.py password_problem) on every path that sets a password: the
administrator's user form (creating a user, changing a user's password), the save service behind it, and
`flask crm create-user`. Also login throttling and failures seen over HTTP (tests/test_auth.py tests the service)."""

import pytest
from flask_babel import gettext as _
from sqlalchemy import select

from crm.admin.services import save_user
from crm.auth.models import LoginAttempt, User
from crm.auth.services import MIN_DIGITS_ONLY_LENGTH, MIN_PASSWORD_LENGTH, password_problem
from crm.cli import crm_cli
from crm.errors_domain import DomainError
from crm.extensions import db
from tests.conftest import PASSWORD, region

USERNAME = "wang.wei"
# (password, the msgid of the refusal); each is refused for the user name wang.wei.
WEAK = [
    ("abc123", "The password must have at least %(n)d characters."),
    ("Wang.Wei", "The password must not be the user name."),
    ("zzzzzzzzzz", "The password must not be one character repeated."),
    ("20260101", "A password of digits only needs at least %(n)d of them."),
    ("13800138000", "A password of digits only needs at least %(n)d of them."),
    ("12345678", "A password of digits only needs at least %(n)d of them."),
    ("password", "This password is among the most commonly used ones; choose another."),
    ("Qwerty123", "This password is among the most commonly used ones; choose another."),
    ("LiaoCheng2026", "This password is among the most commonly used ones; choose another."),
    ("demo2026", "This password is among the most commonly used ones; choose another."),
]
STRONG = ["secret-pass-1", "聊城招商局2026春", "802113946571", "wang.wei-2026!"]


def message(msgid: str) -> str:
    return _(msgid, n=MIN_DIGITS_ONLY_LENGTH if "digits" in msgid else MIN_PASSWORD_LENGTH)


@pytest.mark.parametrize(("password", "msgid"), WEAK)
def test_weak_passwords_are_refused_with_the_reason(app, password, msgid):
    with app.test_request_context():
        assert password_problem(password, USERNAME) == message(msgid)


@pytest.mark.parametrize("password", STRONG)
def test_reasonable_passwords_pass(app, password):
    with app.test_request_context():
        assert password_problem(password, USERNAME) is None


def user_form(**changes) -> dict:
    form = {"username": USERNAME, "full_name": "王伟", "role": "member", "region_id": str(region("371502").id),
            "password": "secret-pass-1", "active": "y"}  # fmt: skip
    return form | changes


@pytest.mark.parametrize(("password", "msgid"), WEAK)
def test_the_admin_cannot_create_a_user_with_a_weak_password(client, make_user, login, password, msgid):
    login(make_user("admin"))
    response = client.post("/admin/users/new", data=user_form(password=password))
    assert response.status_code == 200
    assert message(msgid) in response.data.decode()
    assert db.session.scalar(select(User).where(User.username == USERNAME)) is None


def test_the_admin_cannot_change_a_password_to_a_weak_one(client, make_user, login):
    login(make_user("admin"))
    member = make_user("member", "371502", username=USERNAME)
    page = client.post(f"/admin/users/{member.id}", data=user_form(password="wang.wei")).data.decode()
    assert message("The password must not be the user name.") in page
    db.session.refresh(member)
    assert member.check_password(PASSWORD)
    assert (
        client.post(f"/admin/users/{member.id}", data=user_form(password="new-secret-2")).status_code == 302
    )
    db.session.refresh(member)
    assert member.check_password("new-secret-2") and "new-secret-2" not in member.password_hash


def test_the_save_service_refuses_a_weak_password_too(app, make_user):
    """Defence in depth: a caller that skips the form still meets the policy."""
    member = make_user("member", "371502", username=USERNAME)
    data = {"username": USERNAME, "full_name": "王伟", "role": "member", "region_id": member.region_id,
            "phone": None, "email": None, "password": "qwerty123", "active": True}  # fmt: skip
    with app.test_request_context(), pytest.raises(DomainError):
        save_user(member, data)
    db.session.rollback()
    assert db.session.get(User, member.id).check_password(PASSWORD)


@pytest.mark.parametrize(("password", "msgid"), WEAK[1:5])
def test_the_cli_refuses_a_weak_password(app, password, msgid):
    runner = app.test_cli_runner()
    result = runner.invoke(crm_cli, ["create-user", USERNAME, "--role", "member", "--name", "王伟",
                                     "--region", "371502", "--password", password])  # fmt: skip
    assert result.exit_code != 0
    with app.test_request_context():
        assert message(msgid) in result.output
    assert db.session.scalar(select(User).where(User.username == USERNAME)) is None


def test_repeated_failures_lock_the_login_form(app, client, make_user):
    user = make_user("member", "371502")
    for _attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        response = client.post("/auth/login", data={"username": user.username, "password": "wrong-guess"})
        assert response.status_code == 200
    response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200  # slowed: even the right password is refused if it comes too soon
    wait = app.config["LOGIN_DELAY_SECONDS"]
    with app.test_request_context():
        locked = _("Too many failed attempts. Try again in %(n)d seconds.", n=wait)
    assert locked in response.data.decode()
    assert client.get("/whitelist/").status_code == 302  # not logged in
    attempts = db.session.scalars(
        select(LoginAttempt).where(LoginAttempt.username == user.username).order_by(LoginAttempt.id)
    ).all()
    assert len(attempts) == app.config["LOGIN_MAX_FAILURES"] + 1 and not any(a.succeeded for a in attempts)
    assert [a.throttled for a in attempts] == [False] * app.config["LOGIN_MAX_FAILURES"] + [True]


def test_a_wrong_password_and_an_unknown_user_look_the_same(client, make_user):
    """No user enumeration: the page says the same for a real name with a wrong password and a made-up name."""
    user = make_user("member", "371502")
    known = client.post("/auth/login", data={"username": user.username, "password": "wrong-guess"})
    unknown = client.post("/auth/login", data={"username": "no-such-user", "password": "wrong-guess"})
    assert known.status_code == unknown.status_code == 200
    strip = str.replace
    assert strip(known.data.decode(), user.username, "X") == strip(unknown.data.decode(), "no-such-user", "X")
