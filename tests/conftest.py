"""Shared fixtures: one app per session on a migrated database (SQLite file, or TEST_DATABASE_URL for
PostgreSQL), emptied after every test; factories for users, enterprises and entries; a login helper."""

import os
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import select, text

from config import TestConfig
from crm import create_app
from crm.auth.models import User
from crm.enterprises.services import EnterpriseData, create_enterprise
from crm.extensions import db
from crm.refdata.models import Region
from crm.refdata.seed import seed_reference
from crm.whitelist import services as wf

PASSWORD = "secret-pass-1"
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 2026-03-02, 10:00 in Beijing


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The app, bound to a database whose schema comes from the migrations (so they are tested too)."""
    url = database_url(tmp_path_factory)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    app.test_client_class = Client
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        db.session.remove()
    return app


class Client(FlaskClient):
    """Each request runs in an app context of its own, with its own database session, as in production: what a
    view forgets to commit is lost, and the test's objects are not shared with it. Afterwards the test's session
    forgets what it had loaded, so assertions read what the request really wrote."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Every test runs in its own app context, starts with reference data only, and leaves nothing behind."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        seed_reference()
        yield
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def now() -> datetime:
    return NOW


def region(code: str) -> Region:
    return db.session.scalar(select(Region).where(Region.code == code))


@pytest.fixture
def make_user(app):
    """make_user('lead', '371502', username=...) → a saved User with password PASSWORD."""
    counter = {"n": 0}

    def make(role: str, region_code: str | None = None, username: str | None = None) -> User:
        counter["n"] += 1
        user = User(
            username=username or f"{role}{counter['n']}",
            full_name=f"{role} {counter['n']}",
            role=role,
            region_id=region(region_code).id if region_code else None,
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_enterprise(app, now):
    def make(actor: User, name: str = "聊城示例精密机械有限公司", **fields):
        return create_enterprise(EnterpriseData(name=name, **fields), actor, now)

    return make


@pytest.fixture
def make_entry(app, now, make_enterprise):
    """A proposal by `actor` for their county (or `region_code`), for a new enterprise unless one is given."""

    def make(
        actor: User,
        region_code: str | None = None,
        enterprise=None,
        name: str | None = None,
        at=None,
        **fields,
    ):
        enterprise = enterprise or make_enterprise(actor, **({"name": name} if name else {}))
        region_id = region(region_code).id if region_code else actor.region_id
        data = wf.EntryData(region_id=region_id, **fields)
        return wf.propose(actor, enterprise, data, at or now)

    return make


@pytest.fixture
def login(client):
    def do(user: User):
        client.post("/auth/logout")
        response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.data.decode()[:500]
        return client

    return do
