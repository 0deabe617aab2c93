"""Request ids, structured logs, security headers and cookie flags."""

import io
import json
import logging

import pytest
from sqlalchemy import event

from config import ProdConfig, TestConfig
from crm import create_app
from crm.extensions import db
from crm.observability import make_handler
from crm.vocab import Role
from tests.conftest import PASSWORD


@pytest.fixture
def json_log():
    """Records of this test, formatted by the production JSON handler, as parsed objects."""
    stream = io.StringIO()
    handler = make_handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_every_response_carries_a_request_id_and_sane_incoming_ids_are_kept(client):
    fresh = client.get("/auth/login").headers["X-Request-ID"]
    assert len(fresh) == 32 and fresh != client.get("/auth/login").headers["X-Request-ID"]
    kept = client.get("/auth/login", headers={"X-Request-ID": "nginx-4f2a.9"})
    assert kept.headers["X-Request-ID"] == "nginx-4f2a.9"
    forged = client.get("/auth/login", headers={"X-Request-ID": 'x" injected=1'})
    assert forged.headers["X-Request-ID"] != 'x" injected=1' and len(forged.headers["X-Request-ID"]) == 32


def test_the_access_log_is_one_json_line_with_request_and_user_ids(client, make_user, login, json_log):
    user = make_user(Role.MEMBER, "371502")
    login(user)
    client.get("/whitelist/?q=机械", headers={"X-Request-ID": "req-123"})
    lines = [line for line in json_log() if line.get("request_id") == "req-123"]
    access = [line for line in lines if line["logger"] == "crm.access"]
    assert len(access) == 1
    line = access[0]
    assert line["user_id"] == str(user.id)
    assert line["method"] == "GET" and line["path"] == "/whitelist/" and line["status"] == 200
    assert line["duration_ms"] >= 0 and line["level"] == "INFO" and line["ts"].endswith("+00:00")
    assert "q=" not in line["message"]  # search words are not written to the log


def test_a_request_that_saved_logs_its_user_without_reloading_them(app, client, make_user, login, json_log):
    """Saving commits, which expires the signed-in user; the access line reads the id from the key the user was
    loaded by, not by loading the user again."""
    user = make_user(Role.MEMBER, "371502")
    login(user)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        response = client.post("/inbox/read-all", headers={"X-Request-ID": "req-saved"})
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert response.status_code == 302
    access = [
        line
        for line in json_log()
        if line.get("request_id") == "req-saved" and line["logger"] == "crm.access"
    ]
    assert [line["user_id"] for line in access] == [str(user.id)]
    wrote = max(i for i, sql in enumerate(statements) if sql.lstrip().upper().startswith("UPDATE"))
    assert not any("FROM users" in sql for sql in statements[wrote:]), statements[wrote:]


def test_an_anonymous_request_logs_no_user(client, json_log):
    client.get("/auth/login", headers={"X-Request-ID": "req-anonymous"})
    access = [line for line in json_log() if line.get("request_id") == "req-anonymous"]
    assert [line["user_id"] for line in access if line["logger"] == "crm.access"] == [None]


def test_an_error_inside_a_request_is_logged_with_its_request_id(app, json_log):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    broken = create_app(Config)
    broken.config["PROPAGATE_EXCEPTIONS"] = False

    @broken.route("/_test/boom")
    def boom():
        raise RuntimeError("kaput")

    response = broken.test_client().get("/_test/boom", headers={"X-Request-ID": "req-boom"})
    assert response.status_code == 500
    assert "kaput" not in response.get_data(as_text=True)  # the user sees a friendly page, the log the cause
    errors = [line for line in json_log() if line["level"] == "ERROR"]
    assert errors and errors[0]["request_id"] == "req-boom"
    assert "kaput" in errors[0]["exception"]


def test_security_headers_and_a_policy_without_inline_script(client):
    for url in ("/auth/login", "/no-such-page", "/api/v1/entries", "/static/js/app.js"):
        headers = client.get(url).headers
        policy = headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["default-src"] == "'self'"
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    secure = client.get("/auth/login", base_url="https://crm.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_template_has_an_inline_script_or_handler():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    for path in root.rglob("*.html"):
        text = path.read_text()
        for start in [i for i in range(len(text)) if text.startswith("<script", i)]:
            tag = text[start : text.index(">", start)]
            assert "src=" in tag or 'type="application/json"' in tag, f"inline script in {path}"
        assert " onclick=" not in text and " onload=" not in text and "javascript:" not in text, path


def test_session_cookie_flags_in_production(app, make_user):
    user = make_user(Role.MEMBER, "371502")

    class Production(ProdConfig):
        TESTING = True  # keeps pytest's log capture; the cookie settings are production's
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        PASSWORD_HASH_METHOD = app.config["PASSWORD_HASH_METHOD"]
        WTF_CSRF_ENABLED = False

        @classmethod
        def check(cls) -> None:
            pass

    client = create_app(Production).test_client()
    response = client.post(
        "/auth/login", data={"username": user.username, "password": PASSWORD}, base_url="https://crm.example"
    )
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite"} <= flags
    assert "samesite=lax" in cookie.lower()


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(app, make_user):
    """With PROXY_COUNT=1 the per-address login lock sees the client, not nginx."""
    from crm.auth.models import LoginAttempt
    from crm.extensions import db

    class Config(ProdConfig):
        TESTING = True
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        WTF_CSRF_ENABLED = False
        PROXY_COUNT = 1

        @classmethod
        def check(cls) -> None:
            pass

    client = create_app(Config).test_client()
    client.post(
        "/auth/login",
        data={"username": "nobody", "password": "wrong-password"},
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
    )
    assert (
        db.session.scalar(db.select(LoginAttempt.ip).where(LoginAttempt.username == "nobody"))
        == "203.0.113.7"
    )


def test_the_werkzeug_server_does_not_name_its_version(app):
    """`make run` serves with Werkzeug, which would say "Werkzeug/3.x Python/3.x": the app names itself instead."""
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    from crm.observability import quiet_dev_server

    quiet_dev_server()  # as wsgi.py does
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/auth/login") as response:
            headers = response.headers.get_all("Server")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
    assert headers == ["crm"]
