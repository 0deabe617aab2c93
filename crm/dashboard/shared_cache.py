"""The dashboard's figure cache shared by every web worker and node through Redis (when REDIS_URL is set).

Why: crm.figure_cache keeps the figures in each process, so N gunicorn workers (on M nodes) compute a scope up
to N × M times per TTL, and two reloads can show figures computed at different moments. With REDIS_URL set, the
figures computed by any worker are stored in Redis for the TTL and every other worker takes them from there; a
scope is computed once per TTL across all of them.

How a request finds its figures (SharedFigureCache.get):
1. in its own process, if the copy it read from Redis is still the one Redis holds (one small GET of the entry's
   stamp per request) and within the TTL: a city's set is ~350 KB of JSON, some 100,000 objects, and decoding it
   costs tens of milliseconds, so each worker decodes each computation once, not on every request, while every
   worker still serves the same figures (a refresh on one shows on all);
2. in Redis, if younger than the TTL: decoded and kept in the process;
3. otherwise under a Redis lock per key (SET NX PX with a token, released only by its holder: redis-py's Lock): the
   first worker computes and stores; workers arriving meanwhile wait on the lock, then find the fresh figures in
   Redis and take them instead of computing again. A holder that dies frees the lock after LOCK_SECONDS.
A forced refresh (the page's button) skips both copies when they are at least REFRESH_MIN_SECONDS old, as in the
process cache.

Redis unreachable: the page must not fail for a cache, so the figures are computed (or read from the snapshot) as
if there were no cache, with a warning in the log, and Redis is tried again after RETRY_SECONDS.

Stored: JSON (crm.dashboard.snapshots.dumps: dataclasses of crm's own modules by name, never pickle), under
`<DASHBOARD_CACHE_PREFIX><scope>|<year>|<day>` with an expiry of the TTL.
"""

import json
import logging
import threading
import time
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

import redis

from crm.dashboard import snapshots
from crm.figure_cache import REFRESH_MIN_SECONDS, Cached
from crm.types import utcnow

log = logging.getLogger(__name__)

LOCK_SECONDS = 120  # longer than any computation; frees the lock of a worker that died holding it
RETRY_SECONDS = 30  # after Redis failed, how long the process computes alone before trying it again


class SharedFigureCache:
    """FigureCache's interface over Redis. `clock` is wall-clock seconds (shared by every process)."""

    def __init__(
        self, client: redis.Redis, prefix: str = "crm:dashboard:", clock: Callable[[], float] = time.time
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.clock = clock
        self._local: dict[str, Cached] = {}
        self._lock = threading.Lock()
        self._down_until = 0.0

    def get(self, key: Hashable, ttl: float, compute: Callable[[], Any], refresh: bool = False) -> Cached:
        if ttl <= 0:
            return Cached(compute(), utcnow(), self.clock())
        name = self._name(key)
        asked = self.clock()
        if self.clock() < self._down_until:
            return Cached(compute(), utcnow(), self.clock())
        try:
            return self._shared(name, ttl, compute, refresh, asked)
        except redis.RedisError:
            log.warning("dashboard cache: Redis unreachable, computing without it", exc_info=True)
            self._down_until = self.clock() + RETRY_SECONDS
            return Cached(compute(), utcnow(), self.clock())

    def _shared(
        self, name: str, ttl: float, compute: Callable[[], Any], refresh: bool, asked: float
    ) -> Cached:
        mine = self._local.get(name)
        if mine is not None and self.client.get(f"{name}:stamp") == repr(mine.stamp).encode():
            found = self._usable(mine, ttl, refresh, asked)
            if found:
                return found
        found = self._usable(self._read(name), ttl, refresh, asked)
        if found:
            return self._keep(name, found)
        with self.client.lock(
            f"{name}:lock", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS, sleep=0.05
        ):
            # Computed by another worker while this one waited: take it, even when asked to refresh.
            found = self._usable(self._read(name), ttl, refresh, self.clock(), waited_since=asked)
            if found:
                return self._keep(name, found)
            entry = Cached(compute(), utcnow(), self.clock())
            payload = {
                "at": entry.computed_at.isoformat(),
                "stamp": entry.stamp,
                "value": snapshots.encode(entry.value),
            }
            expiry = int(ttl * 1000)
            with self.client.pipeline() as both:  # MULTI/EXEC: a reader never sees one without the other
                both.set(name, json.dumps(payload, ensure_ascii=False, separators=(",", ":")), px=expiry)
                both.set(f"{name}:stamp", repr(entry.stamp), px=expiry)
                both.execute()
            self._keep(name, Cached(entry.value, entry.computed_at, entry.stamp, hit=True))
            return entry

    def _read(self, name: str) -> Cached | None:
        raw = self.client.get(name)
        if raw is None:
            return None
        try:
            payload = json.loads(raw)
            value = snapshots.decode_value(payload["value"])
            return Cached(value, datetime.fromisoformat(payload["at"]), float(payload["stamp"]))
        except (ValueError, TypeError, KeyError, AttributeError, ImportError):
            # Written by another version of the code: computed again (and overwritten) instead.
            log.warning("dashboard cache: unreadable entry %s; computing afresh", name, exc_info=True)
            return None

    def _usable(
        self, entry: Cached | None, ttl: float, refresh: bool, now: float, waited_since: float | None = None
    ) -> Cached | None:
        if entry is None:
            return None
        age = now - entry.stamp
        if age >= ttl:
            return None
        fresh = waited_since is not None and entry.stamp >= waited_since
        if refresh and age >= REFRESH_MIN_SECONDS and not fresh:
            return None
        return Cached(entry.value, entry.computed_at, entry.stamp, hit=True)

    def _keep(self, name: str, entry: Cached) -> Cached:
        with self._lock:
            self._local[name] = entry
            # Entries of earlier days or years expire and are never asked for again: drop them as they age out.
            now = self.clock()
            for stale in [k for k, e in self._local.items() if now - e.stamp > 86400]:
                del self._local[stale]
        return entry

    def _name(self, key: Hashable) -> str:
        parts = key if isinstance(key, tuple) else (key,)
        return self.prefix + "|".join(str(part) for part in parts)

    def clear(self) -> None:
        """Forget this process's copies and every shared entry under the prefix."""
        with self._lock:
            self._local.clear()
        try:
            names = list(self.client.scan_iter(match=f"{self.prefix}*"))
            if names:
                self.client.delete(*names)
        except redis.RedisError:
            log.warning("dashboard cache: Redis unreachable, shared entries not cleared", exc_info=True)

    def __len__(self) -> int:
        return len(self._local)


def connect(url: str) -> redis.Redis:
    """A client that gives up quickly: a slow or absent Redis must cost a page little (see the module)."""
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2, health_check_interval=30)
