"""Login throttling that cannot be turned against a user (issue 20, docs/OPERATIONS.md "Logins"): an attacker
failing again and again from elsewhere slows only their own attempts; the user still gets in with the right
password from the browser or the address they signed in from before; guessing stays slow; a manager sees who is
slowed and clears it."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.auth.models import LoginAttempt, LoginThrottleReset
from crm.auth.services import BadCredentials, LoginLocked, authenticate
from crm.extensions import db
from crm.types import utcnow
from crm.vocab import Role
from tests.conftest import PASSWORD

ATTACKER, HOME, ELSEWHERE = "203.0.113.9", "10.20.0.5", "198.51.100.4"


def browser_at(app, address: str):
    """A browser whose requests come from `address`."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def log_in(browser, username: str, password: str = PASSWORD):
    return browser.post("/auth/login", data={"username": username, "password": password})


def attack(
    username: str, address: str, minutes: int = 50, tries: int = 200, final: bool = True, spray: bool = False
) -> int:
    """Guesses every few seconds from `minutes` ago until 16 minutes ago, then one now (by then the delays have
    reached their cap, so that one is let through, and the next waits the whole cap). Returns how many guesses
    were checked at all (the others were refused unchecked). `spray`: another made-up name for each guess."""
    start, span = utcnow() - timedelta(minutes=minutes), (minutes - 16) * 60
    checked = 0
    for i in range(tries):
        try:
            name = f"{username}-{i}" if spray else username
            authenticate(name, f"guess-{i}", address, start + timedelta(seconds=i * span / tries))
        except BadCredentials:
            checked += 1
        except LoginLocked:
            pass
    if not final:
        return checked
    with pytest.raises(BadCredentials):
        authenticate(username, "one-more-guess", address, utcnow())
    return checked + 1


def test_an_attacker_elsewhere_cannot_lock_the_user_out_of_their_own_browser(app, make_user):
    user = make_user(Role.MEMBER, "371502")
    phone = browser_at(app, HOME)
    assert log_in(phone, user.username).status_code == 302  # earlier: the phone gets its known-device cookie
    phone.post("/auth/logout")
    checked = attack(user.username, ATTACKER)
    assert checked < 20  # 200 guesses in 50 minutes, most refused unchecked
    assert log_in(browser_at(app, ATTACKER), user.username).status_code == 200  # the attacker is slowed…
    response = log_in(phone, user.username)  # …the user, on their phone, is not
    assert response.status_code == 302 and phone.get("/plans/tasks").status_code == 200


def test_a_known_device_gets_in_even_from_a_new_address(app, make_user):
    """The known-device cookie travels with the laptop: at a hotel, the attack on the name does not touch it."""
    user = make_user(Role.MEMBER, "371502")
    laptop = browser_at(app, HOME)
    assert log_in(laptop, user.username).status_code == 302
    laptop.post("/auth/logout")
    attack(user.username, ELSEWHERE, minutes=40, final=False)  # two attacking addresses
    attack(user.username, ATTACKER)  # the name itself is slowed for browsers it never signed in from
    hotel = browser_at(app, "192.0.2.77")
    hotel.set_cookie(
        "crm_device", laptop.get_cookie("crm_device", path="/auth/login").value, path="/auth/login"
    )
    assert log_in(hotel, user.username).status_code == 302
    stranger = browser_at(app, "192.0.2.78")  # a browser and address the name never signed in from: it waits
    assert "登录失败次数过多" in log_in(stranger, user.username).data.decode()


def test_a_known_address_gets_in_without_the_cookie(app, make_user):
    user = make_user(Role.MEMBER, "371502")
    assert log_in(browser_at(app, HOME), user.username).status_code == 302
    attack(user.username, ATTACKER)
    new_browser = browser_at(app, HOME)  # the office's other computer: no cookie, but a known address
    assert log_in(new_browser, user.username).status_code == 302


def test_a_forged_device_cookie_counts_as_none(app, make_user):
    user = make_user(Role.MEMBER, "371502")
    attack(user.username, ATTACKER)
    forger = browser_at(app, ATTACKER)
    forger.set_cookie("crm_device", "W1sibWVtYmVyMSIsICJhYmMiXV0.forged.sig", path="/auth/login")
    assert "登录失败次数过多" in log_in(forger, user.username).data.decode()


def test_guessing_from_a_stolen_known_device_is_still_slowed(app, make_user):
    user = make_user(Role.MEMBER, "371502")
    phone = browser_at(app, HOME)
    log_in(phone, user.username)
    phone.post("/auth/logout")
    for _i in range(app.config["LOGIN_MAX_FAILURES"]):
        assert "用户名或密码错误" in log_in(phone, user.username, "wrong-guess").data.decode()
    assert "登录失败次数过多" in log_in(phone, user.username, "another-guess").data.decode()
    attempts = db.session.scalars(select(LoginAttempt).where(LoginAttempt.username == user.username,
                                                             LoginAttempt.succeeded.is_(False)))  # fmt: skip
    assert {a.device for a in attempts} and None not in {a.device for a in attempts}


def test_brute_force_gets_few_guesses_a_day(app, make_user, now):
    """One address, one name, a day of guessing at the earliest moment allowed: about a hundred guesses."""
    user = make_user(Role.MEMBER, "371502")
    at, checked, end = now, 0, now + timedelta(days=1)
    while at < end:
        try:
            authenticate(user.username, "guess", ATTACKER, at)
        except BadCredentials:
            checked += 1
            at += timedelta(seconds=1)
        except LoginLocked as refused:
            text = str(refused)
            number = int("".join(ch for ch in text if ch.isdigit()))
            at += timedelta(minutes=number) if "分钟" in text else timedelta(seconds=number)
    cap = app.config["LOGIN_MAX_DELAY_SECONDS"]
    assert checked <= 24 * 3600 / cap + 20
    assert db.session.scalar(select(LoginAttempt.id).where(LoginAttempt.succeeded.is_(True))) is None


@pytest.fixture
def slowed_name(app, make_user):
    """A member whose name is slowed everywhere they never signed in from (failures from two addresses)."""
    user = make_user(Role.MEMBER, "371502")
    attack(user.username, ELSEWHERE, minutes=40, final=False)
    attack(user.username, ATTACKER)
    return user


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_a_manager_sees_and_clears_a_lockout(app, make_user, slowed_name, role):
    user = slowed_name
    new_phone = browser_at(app, "192.0.2.50")
    assert "登录失败次数过多" in log_in(new_phone, user.username).data.decode()
    manager = browser_at(app, HOME)
    assert log_in(manager, make_user(role).username).status_code == 302
    page = manager.get("/auth/lockouts").data.decode()
    assert user.username in page and ATTACKER in page and ELSEWHERE in page
    response = manager.post("/auth/lockouts/clear", data={"username": user.username})
    assert response.status_code == 302
    reset = db.session.scalar(select(LoginThrottleReset))
    assert reset.username == user.username and reset.ip is None
    assert log_in(new_phone, user.username).status_code == 302  # the user gets in at once
    manager.get("/auth/lockouts")  # the flash
    names = manager.get("/auth/lockouts").data.decode().split('data-testid="lockouts-address"')[0]
    assert (
        user.username not in names
        and ATTACKER in names.split('data-testid="lockouts-username"')[0] + ATTACKER
    )


def test_clearing_an_address(app, make_user):
    user = make_user(Role.MEMBER, "371502")
    attack("guess", ATTACKER, spray=True)  # one guess per made-up name: the address is slowed
    visitor = browser_at(app, ATTACKER)  # e.g. a hotel's one address, shared with a guesser
    assert "登录失败次数过多" in log_in(visitor, user.username).data.decode()
    manager = browser_at(app, HOME)
    log_in(manager, make_user(Role.MANAGER).username)
    assert ATTACKER in manager.get("/auth/lockouts").data.decode()
    manager.post("/auth/lockouts/clear", data={"address": ATTACKER})
    assert log_in(visitor, user.username).status_code == 302


def test_clearing_needs_a_name_or_an_address(app, make_user):
    manager = browser_at(app, HOME)
    log_in(manager, make_user(Role.MANAGER).username)
    response = manager.post("/auth/lockouts/clear", data={}, follow_redirects=True)
    assert "请选择要解除的用户名或地址" in response.data.decode()
    assert db.session.scalar(select(LoginThrottleReset)) is None
