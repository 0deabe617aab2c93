"""The dashboard cache shared through Redis (crm/dashboard/shared_cache.py), tested with two app instances — two
gunicorn workers, or two nodes — on the real Redis at 127.0.0.1:6379, each test under a key prefix of its own."""

import threading
import uuid

import pytest
import redis

from crm import create_app
from crm.dashboard import services
from crm.dashboard.cache import figure_cache
from crm.dashboard.shared_cache import SharedFigureCache
from crm.extensions import db
from crm.figure_cache import REFRESH_MIN_SECONDS, FigureCache
from tests.conftest import PASSWORD, Client
from tests.dashboard.test_cache import URL, drop_e6, funnel_count

REDIS_URL = "redis://127.0.0.1:6379/0"
TTL = 60


class Instances:
    """Two apps on the same database and Redis, a clock they share (wall seconds) and a count of computations."""

    def __init__(self, app, prefix: str) -> None:
        config = type("Config", (), {**{k: v for k, v in app.config.items() if k.isupper()}})
        config.REDIS_URL = REDIS_URL
        config.DASHBOARD_CACHE_PREFIX = prefix
        config.DASHBOARD_CACHE_SECONDS = TTL
        self.apps = [create_app(config), create_app(config)]
        self.now = [1_000_000.0]
        self.computed = 0
        for instance in self.apps:
            instance.test_client_class = Client
            with instance.app_context():
                figure_cache().clock = lambda: self.now[0]

    def cache(self, n: int) -> SharedFigureCache:
        with self.apps[n].app_context():
            return figure_cache()

    def client(self, n: int, user):
        client = self.apps[n].test_client()
        response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302
        return client


@pytest.fixture
def instances(app, monkeypatch):
    prefix = f"crm-test:{uuid.uuid4().hex}:"
    found = Instances(app, prefix)
    real = services.compute

    def counted(*args, **kwargs):
        found.computed += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "compute", counted)  # the real computation, counted
    yield found
    found.cache(0).clear()
    for instance in found.apps:
        with instance.app_context():
            db.session.remove()
            db.engine.dispose()


def test_redis_url_selects_the_shared_cache_and_its_absence_the_process_cache(app, instances):
    assert isinstance(instances.cache(0), SharedFigureCache)
    assert isinstance(figure_cache(), FigureCache)  # the test app has no REDIS_URL


def test_a_scope_computed_by_one_instance_is_served_by_the_other(world, instances):
    p, _teams, entries = world
    first = instances.client(0, p["manager"]).get(URL).data.decode()
    assert instances.computed == 1
    assert funnel_count(first, "whitelisted") == 1
    prefix = instances.cache(0).prefix
    stored = {
        n.decode().removeprefix(prefix) for n in redis.Redis.from_url(REDIS_URL).scan_iter(f"{prefix}*")
    }
    (figures,) = [name for name in stored if not name.endswith((":stamp", ":lock"))]
    assert figures.startswith("city|2026|") and f"{figures}:stamp" in stored
    drop_e6(entries)
    other = instances.client(1, p["manager"]).get(URL).data.decode()
    assert instances.computed == 1  # taken from Redis, not computed again
    assert funnel_count(other, "whitelisted") == 1  # the figures computed before the change, within the TTL
    # A county head's scope is its own key: computed once, then shared too.
    instances.client(1, p["head"]).get(URL)
    instances.client(0, p["head"]).get(URL)
    assert instances.computed == 2


def test_both_instances_see_the_change_once_the_ttl_has_passed(world, instances):
    p, _teams, entries = world
    instances.client(0, p["manager"]).get(URL)
    drop_e6(entries)
    instances.now[0] += TTL
    assert funnel_count(instances.client(1, p["manager"]).get(URL).data.decode(), "whitelisted") == 0
    assert funnel_count(instances.client(0, p["manager"]).get(URL).data.decode(), "whitelisted") == 0
    assert instances.computed == 2  # once per TTL across both


def test_a_refresh_on_one_instance_is_what_the_other_serves(world, instances):
    p, _teams, entries = world
    instances.client(0, p["manager"]).get(URL)
    drop_e6(entries)
    instances.now[0] += REFRESH_MIN_SECONDS
    second = instances.client(1, p["manager"])
    response = second.get(URL + "&refresh=1")
    assert response.status_code == 302
    assert funnel_count(second.get(response.location).data.decode(), "whitelisted") == 0
    # The first instance's own copy is older than what Redis now holds: it takes the refreshed figures.
    assert funnel_count(instances.client(0, p["manager"]).get(URL).data.decode(), "whitelisted") == 0
    assert instances.computed == 2


def test_simultaneous_requests_on_both_instances_compute_once(world, instances):
    p, _teams, _e = world
    clients = [instances.client(n % 2, p["manager"]) for n in range(6)]
    pages: list[str] = []
    barrier = threading.Barrier(len(clients))

    def visit(client):
        with client.application.app_context():  # the test client's cleanup needs one in this thread
            barrier.wait()
            pages.append(client.get(URL).data.decode())

    threads = [threading.Thread(target=visit, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert instances.computed == 1
    assert len(pages) == 6 and all(funnel_count(page, "whitelisted") == 1 for page in pages)


def test_an_unreachable_redis_costs_the_page_nothing_but_the_cache(world, app):
    p, _teams, entries = world
    config = type("Config", (), {**{k: v for k, v in app.config.items() if k.isupper()}})
    config.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    config.DASHBOARD_CACHE_SECONDS = TTL
    down = create_app(config)
    down.test_client_class = Client
    client = down.test_client()
    client.post("/auth/login", data={"username": p["manager"].username, "password": PASSWORD})
    response = client.get(URL)
    assert response.status_code == 200
    assert funnel_count(response.data.decode(), "whitelisted") == 1
    drop_e6(entries)
    # Computed without a cache while Redis is down: the change shows at once.
    assert funnel_count(client.get(URL).data.decode(), "whitelisted") == 0
    with down.app_context():
        db.engine.dispose()
