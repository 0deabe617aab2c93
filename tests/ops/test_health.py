"""/healthz: the database and the scheduler's heartbeat; and the admin page's view of the same."""

from datetime import timedelta

from config import TestConfig
from crm import create_app
from crm.extensions import db
from crm.reminders.models import Heartbeat
from crm.types import utcnow
from crm.vocab import Role


def beat(job: str, minutes_ago: float) -> None:
    db.session.merge(Heartbeat(job=job, ran_at=utcnow() - timedelta(minutes=minutes_ago), detail="ok"))
    db.session.commit()


def test_healthy_when_the_database_answers_and_the_scheduler_beat_recently(client):
    beat("deliver", 0.5)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["scheduler"]["ok"] is True
    assert 0 <= body["checks"]["scheduler"]["age_seconds"] < 60
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # monitoring gets no session


def test_a_scheduler_that_never_ran_or_stopped_beating_fails_the_check(client, app):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["scheduler"] == {
        "ok": False,
        "last_run": None,
        "max_age_seconds": app.config["HEALTH_SCHEDULER_MAX_AGE_MINUTES"] * 60,
    }
    beat("scan", app.config["HEALTH_SCHEDULER_MAX_AGE_MINUTES"] + 1)
    body = client.get("/healthz").get_json()
    assert body["status"] == "fail" and body["checks"]["database"]["ok"] is True
    assert body["checks"]["scheduler"]["ok"] is False
    beat("deliver", 1)  # the newest beat of any job counts
    assert client.get("/healthz").status_code == 200


def test_the_load_balancer_check_leaves_the_scheduler_out(client):
    assert client.get("/healthz").status_code == 503
    response = client.get("/healthz?only=database")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_an_unreachable_database_answers_503_not_a_traceback():
    class Unreachable(TestConfig):
        # nothing listens on port 1: every connection is refused at once
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://postgres@127.0.0.1:1/none"

    client = create_app(Unreachable).test_client()
    for url in ("/healthz", "/healthz?only=database"):
        response = client.get(url)
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "fail"
        assert body["checks"]["database"]["error"] == "OperationalError"


def test_the_admin_delivery_page_says_when_the_scheduler_is_stopped(client, make_user, login, app):
    login(make_user(Role.ADMIN))
    page = client.get("/reminders/outbox").get_data(as_text=True)
    assert 'data-testid="scheduler-state">已停止或出错' in page
    assert "提醒和督办没有发出" in page
    beat("deliver", 0.2)
    page = client.get("/reminders/outbox").get_data(as_text=True)
    assert 'data-testid="scheduler-state">运行中' in page
    assert "提醒和督办没有发出" not in page


def test_a_database_that_accepts_but_never_answers_fails_fast():
    """A hung server (TCP accepted, no reply) costs a request the connect timeout, not a worker's life."""
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever answers
    port = silent.getsockname()[1]

    class Hung(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"postgresql+psycopg://postgres@127.0.0.1:{port}/none"
        DATABASE_CONNECT_TIMEOUT = 2  # libpq's minimum

    try:
        client = create_app(Hung).test_client()
        started = time.monotonic()
        response = client.get("/healthz?only=database")
        took = time.monotonic() - started
    finally:
        silent.close()
    assert response.status_code == 503
    assert took < 10, f"waited {took:.1f} s"
