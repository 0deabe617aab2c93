"""Login, throttling, open-redirect protection and CSRF."""

from datetime import timedelta

import pytest

from crm.auth.services import BadCredentials, LoginLocked, authenticate
from tests.conftest import PASSWORD


def test_login_and_logout(client, make_user):
    user = make_user("member", "371502")
    response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/whitelist/").status_code == 200
    client.post("/auth/logout")
    assert client.get("/whitelist/").status_code == 302


def test_wrong_password_is_refused_in_chinese(client, make_user):
    user = make_user("member", "371502")
    response = client.post("/auth/login", data={"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码" in response.data.decode()


def test_inactive_user_cannot_log_in(client, make_user, app):
    from crm.extensions import db

    user = make_user("member", "371502")
    user.is_active_flag = False
    db.session.commit()
    response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200


def test_guessing_is_slowed_with_growing_delays(app, make_user, now):
    """Past LOGIN_MAX_FAILURES failures of a name from an address, each attempt waits twice as long as the one
    before; an attempt that comes too soon is refused unchecked, even with the right password, and does not
    count; the right password at the allowed time gets in."""
    user = make_user("member", "371502")
    free, base = app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_DELAY_SECONDS"]
    for _i in range(free):
        with pytest.raises(BadCredentials):
            authenticate(user.username, "wrong", "10.0.0.1", now)
    at = now
    for step in range(6):  # the waits: base, 2×base, 4×base …
        delay = timedelta(seconds=base * 2**step)
        with pytest.raises(LoginLocked):
            authenticate(user.username, PASSWORD, "10.0.0.1", at + delay - timedelta(seconds=1))
        at += delay
        with pytest.raises(BadCredentials):
            authenticate(user.username, "wrong", "10.0.0.1", at)
    with pytest.raises(LoginLocked):
        authenticate(user.username, PASSWORD, "10.0.0.1", at + timedelta(seconds=base * 2**6 - 1))
    assert (
        authenticate(user.username, PASSWORD, "10.0.0.1", at + timedelta(seconds=base * 2**6)).id == user.id
    )


def test_the_delay_is_capped_and_forgotten_after_the_window(app, make_user, now):
    user = make_user("member", "371502")
    cap = timedelta(seconds=app.config["LOGIN_MAX_DELAY_SECONDS"])
    at = now
    for _i in range(30):  # a patient guesser: each guess at the earliest moment it is let through
        try:
            authenticate(user.username, "wrong", "10.0.0.1", at)
        except LoginLocked:
            pass
        except BadCredentials:
            pass
        at += cap
    with pytest.raises(LoginLocked):  # never more than one guess per LOGIN_MAX_DELAY_SECONDS
        authenticate(
            user.username, "wrong", "10.0.0.1", at - cap + timedelta(seconds=cap.total_seconds() - 1)
        )
    later = at + timedelta(minutes=app.config["LOGIN_WINDOW_MINUTES"])
    assert authenticate(user.username, PASSWORD, "10.0.0.1", later).id == user.id


def test_success_resets_the_failure_count(app, make_user, now):
    user = make_user("member", "371502")
    for minute in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        with pytest.raises(BadCredentials):
            authenticate(user.username, "wrong", None, now + timedelta(minutes=minute))
    authenticate(user.username, PASSWORD, None, now + timedelta(minutes=5))
    for second in range(app.config["LOGIN_MAX_FAILURES"]):  # a fresh count: as many free failures again
        with pytest.raises(BadCredentials):
            authenticate(user.username, "wrong", None, now + timedelta(minutes=6, seconds=second))
    assert authenticate(user.username, PASSWORD, None, now + timedelta(minutes=7))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_login_next_does_not_redirect_off_site(client, make_user, target):
    user = make_user("member", "371502")
    response = client.post(
        "/auth/login", data={"username": user.username, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.location == "/"


def test_login_next_keeps_local_paths(client, make_user):
    user = make_user("member", "371502")
    response = client.post(
        "/auth/login",
        data={"username": user.username, "password": PASSWORD, "next": "/whitelist/?state=proposed"},
    )
    assert response.location == "/whitelist/?state=proposed"


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_posts_without_csrf_token_are_rejected(client, make_user, make_entry, csrf_on):
    head = make_user("county_head", "371502")
    entry = make_entry(make_user("member", "371502"))
    response = client.post("/auth/login", data={"username": head.username, "password": PASSWORD})
    assert response.status_code == 400  # even the login form needs its token
    from crm.auth.sessions import start_session
    from crm.types import utcnow

    ref = start_session(head, False, utcnow())
    with client.session_transaction() as session:  # log in without the form to test the other routes
        session["_user_id"] = ref
        session["_fresh"] = True
    for url in (
        f"/whitelist/{entry.id}/approve",
        "/auth/logout",
        "/whitelist/propose",
        f"/enterprises/{entry.enterprise_id}/contacts",
    ):
        response = client.post(url, data={"reason": "x"})
        assert response.status_code == 400, url
        assert "表单" in response.data.decode() or "重新" in response.data.decode()
    assert entry.state == "proposed"


def test_state_changes_refuse_get(client, make_user, make_entry, login):
    entry = make_entry(make_user("member", "371502"))
    login(make_user("manager"))
    assert client.get(f"/whitelist/{entry.id}/approve").status_code == 405
    assert client.get("/auth/logout").status_code == 405


def test_parallel_guesses_cannot_outrun_the_lock(app, make_user, now):
    """The attempt is written before the password is checked, so at most LOGIN_MAX_FAILURES of a burst of parallel
    wrong guesses ever reach the password check."""
    import threading

    from crm.extensions import db

    user = make_user("member", "371502")
    username = user.username
    db.session.remove()
    barrier = threading.Barrier(12, timeout=10)
    outcomes: list[str] = []

    def guess() -> None:
        with app.app_context():
            barrier.wait()
            try:
                authenticate(username, "wrong", "10.0.0.9", now)
            except (BadCredentials, LoginLocked) as error:
                outcomes.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 12
    assert outcomes.count("BadCredentials") <= app.config["LOGIN_MAX_FAILURES"]
    assert outcomes.count("LoginLocked") >= 12 - app.config["LOGIN_MAX_FAILURES"]


def test_one_address_guessing_many_names_is_slowed_for_its_own_attempts(app, make_user, now):
    user = make_user("member", "371502")
    limit = app.config["LOGIN_MAX_FAILURES_PER_IP"]
    for i in range(limit):  # one guess per name: no single name is slowed
        with pytest.raises(BadCredentials):
            authenticate(f"guess{i}", "wrong", "10.0.0.7", now)
    with pytest.raises(LoginLocked):  # a name never signed in from there waits
        authenticate(user.username, PASSWORD, "10.0.0.7", now)
    assert authenticate(user.username, PASSWORD, "10.0.0.8", now)  # another address is not affected
    # An address the user signed in from before is known: the address's other failures do not slow them there.
    with pytest.raises(LoginLocked):
        authenticate("guess-more", "wrong", "10.0.0.7", now)
    authenticate(user.username, PASSWORD, "10.0.0.7", now - timedelta(days=1))  # signed in there yesterday
    assert authenticate(user.username, PASSWORD, "10.0.0.7", now).id == user.id


def test_a_new_password_ends_the_sessions_made_with_the_old_one(app, make_user, login):
    from crm.extensions import db

    member = make_user("member", "371502")
    other = make_user("member", "371502")
    phone = login(member)  # e.g. the phone that was lost
    other_client = app.test_client()
    other_client.post("/auth/login", data={"username": other.username, "password": PASSWORD})
    assert phone.get("/plans/tasks").status_code == 200
    from crm.auth.services import change_password
    from crm.types import utcnow

    change_password(member, "a-brand-new-pass-9", utcnow())  # what the admin's password reset does
    db.session.commit()
    response = phone.get("/plans/tasks")
    assert response.status_code == 302 and "/auth/login" in response.location
    assert other_client.get("/plans/tasks").status_code == 200  # nobody else is logged out
    fresh = app.test_client()
    fresh.post("/auth/login", data={"username": member.username, "password": "a-brand-new-pass-9"})
    assert fresh.get("/plans/tasks").status_code == 200


def test_a_session_naming_a_user_without_the_key_is_refused(client, make_user, login):
    head = make_user("county_head", "371502")
    login(head)
    with client.session_transaction() as session:
        real = session["_user_id"]
    sid = real.partition(":")[0]
    for forged in (str(head.id), f"{head.id}:", f"{sid}:0123456789abcdef0123456789", sid, "x:y", real + "x"):
        with client.session_transaction() as session:
            session["_user_id"] = forged
            session["_fresh"] = True
        response = client.get("/whitelist/")
        assert response.status_code == 302 and "/auth/login" in response.location, forged
