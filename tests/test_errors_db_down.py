"""While the database cannot be reached, pages answer 503 with a page of their own (no traceback, no bare
"Internal Server Error"), and the login page still shows.

No mocks: a second app, with the same secret key as the suite's, points at a PostgreSQL port where nothing
listens, so every connection is refused as it is while PostgreSQL restarts. A user logs in on the suite's app;
their session cookie is then sent to the second app, whose user loader, view and error pages meet the real
OperationalError. (bench/load/run.py --restart-db does the same with a real PostgreSQL under load.)"""

import socket

import pytest
from flask_babel import gettext
from sqlalchemy import text

from config import TestConfig
from crm import create_app
from crm.errors import RETRY_AFTER_SECONDS
from crm.extensions import db

UNAVAILABLE = "The database is temporarily unavailable. Please try again in a minute."


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def down_app(app):
    class Unreachable(TestConfig):
        SECRET_KEY = app.config["SECRET_KEY"]
        SQLALCHEMY_DATABASE_URI = f"postgresql+psycopg://crm@127.0.0.1:{closed_port()}/crm"

    down = create_app(Unreachable)
    yield down
    with down.app_context():
        db.engine.dispose()


@pytest.fixture
def down_client(down_app, login, make_user):
    """A client of the unreachable app carrying a logged-in member's session cookie."""
    member = make_user("member", "371502")
    cookie = login(member).get_cookie("session").value
    client = down_app.test_client()
    client.set_cookie("session", cookie)
    return client


def expected_message(down_app) -> str:
    with down_app.test_request_context():
        return gettext(UNAVAILABLE)


@pytest.mark.parametrize("path", ["/", "/plans/tasks", "/whitelist/", "/inbox/", "/auth/login"])
def test_pages_answer_503_with_their_own_page(down_app, down_client, path):
    response = down_client.get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert expected_message(down_app) in body
    assert 'data-testid="database-unavailable"' in body
    assert "Traceback" not in body and "Internal Server Error" not in body
    assert f'href="{path}"' in body  # "try again" reloads the same page


def test_a_form_sent_while_the_database_is_down_gets_the_same_page(down_app, down_client):
    response = down_client.post("/inbox/read-all")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert expected_message(down_app) in body
    assert 'data-testid="database-unavailable"' in body
    assert "/inbox/read-all" not in body  # no "try again" link that would send the form again


def test_the_outage_is_logged_in_one_line(down_client, caplog):
    down_client.get("/plans/tasks")
    records = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(records) == 1
    assert "GET /plans/tasks" in records[0].getMessage()
    assert "refused" in records[0].getMessage().lower() or "connect" in records[0].getMessage().lower()
    assert records[0].exc_info is None


def test_the_login_page_needs_no_database(down_app):
    response = down_app.test_client().get("/auth/login")
    assert response.status_code == 200
    assert 'name="password"' in response.get_data(as_text=True)


def test_a_connection_the_server_ended_does_not_fail_the_finished_request(app, caplog):
    """PostgreSQL ends a connection (as a restart does) after the request's last statement: closing the session at
    the end of the request must not raise, or gunicorn answers a bare 500 for a page that was already made."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "needs PostgreSQL (TEST_DATABASE_URL): SQLite has no server that could end the connection"
        )
    with app.app_context():  # a context of its own: leaving it runs the teardown under test
        backend = db.session.scalar(text("SELECT pg_backend_pid()"))
        with db.engine.connect() as other:
            assert other.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    assert any("connection lost while closing the session" in r.getMessage() for r in caplog.records)
    with app.app_context():  # the pool hands out a working connection afterwards (the dead one was dropped)
        assert db.session.scalar(text("SELECT 1")) == 1


def test_the_api_answers_503_json_while_the_database_is_down(down_app):
    response = down_app.test_client().get("/api/v1/entries", headers={"Authorization": "Bearer crm_anything"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.get_json()
    assert body["error"]["code"] == "database_unavailable"
    assert body["error"]["message"] == expected_message(down_app)
