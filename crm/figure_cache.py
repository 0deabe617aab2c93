"""A short cache of computed figures (the dashboard's, one entry per scope, year and day; the chains' scores):
the in-process cache, its entries, and the key of a user's scope. crm.dashboard.cache picks this cache or the
shared one (crm.dashboard.shared_cache) for the dashboard.

Why: at 100,000 entries and 1,000,000 contact logs, computing the figures takes several hundred milliseconds on
PostgreSQL (a few full passes over the entries, the contact logs of a week, the open plan steps), more on SQLite.
The figures move slowly (a signing, a log, a stage change), and a director reading them a minute late loses
nothing, so a page served within DASHBOARD_CACHE_SECONDS (default 60; 0 turns the cache off) of the last
computation reuses it. The page says when its figures were computed and offers to compute them again.

The key is everything that selects the figures:
- the scope: "city" for a manager, "county:<region id>" for a county head. crm.scope decides what a user sees from
  the role and the county alone (entry_scope, team_scope, the counties listed), so every manager shares one entry
  and a county head never reads another county's; any other role is not cached at all;
- the year asked for, and the local day (the lights, the ranking week and "as of" depend on it, so no entry
  outlives midnight).
Not in the key, so a change shows within the TTL: the settings (ranking weights, light thresholds) and the records
themselves. The year's goals are not cached at all (crm.dashboard.services reads them on every request), so an
edited goal shows at once.

The figures kept are plain values (crm.dashboard.watchlist keeps names, not ORM objects), shared read-only by the
requests that reuse them.

Trade-offs of keeping it in the process (a dict and a lock, no extra service):
- every gunicorn worker holds its own copy: with N workers a scope is computed up to N times per TTL, and two
  reloads may show figures computed at different moments (each page says when);
- nothing tells another worker that the records changed; the TTL bounds how stale a figure can be;
- memory is bounded: at most MAX_ENTRIES entries (a city-wide set is a few hundred kilobytes), the least recently
  stored dropped first.
With REDIS_URL set, crm.dashboard.shared_cache replaces this cache with one shared by every worker and node, which
fixes the first two at the cost of a service to run.

Concurrency: one computation per key at a time; requests arriving meanwhile wait and take its result instead of
starting their own (keys share REFRESH_STRIPES locks, so two keys rarely wait for each other).
Refresh: a forced refresh (the page's button) recomputes only when the figures are at least REFRESH_MIN_SECONDS
old, so repeated clicks by many people cost one computation per scope every few seconds at most.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app

from crm.auth.models import User
from crm.types import utcnow
from crm.vocab import Role

MAX_ENTRIES = 64
REFRESH_MIN_SECONDS = 10
REFRESH_STRIPES = 16


@dataclass(frozen=True)
class Cached:
    value: Any
    computed_at: datetime  # UTC, for the page ("数据更新于 10:42")
    stamp: float  # the cache's clock when computed (monotonic), for the TTL
    hit: bool = False  # served from the cache rather than computed for this request


class FigureCache:
    """Computed values by key, each kept `ttl` seconds. `clock` is monotonic seconds (tests replace it)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, Cached] = OrderedDict()
        self._stripes = [threading.Lock() for _ in range(REFRESH_STRIPES)]

    def get(self, key: Hashable, ttl: float, compute: Callable[[], Any], refresh: bool = False) -> Cached:
        """The value for `key`: kept if younger than `ttl` seconds, otherwise computed (and kept). `refresh`
        recomputes a value older than REFRESH_MIN_SECONDS. A `ttl` of 0 or less computes every time."""
        if ttl <= 0:
            return Cached(compute(), utcnow(), self.clock())
        asked = self.clock()
        found = self._usable(key, ttl, refresh, asked)
        if found:
            return found
        with self._stripes[hash(key) % REFRESH_STRIPES]:
            # Computed by another request while this one waited: take it, even when asked to refresh.
            found = self._usable(key, ttl, refresh, self.clock(), waited_since=asked)
            if found:
                return found
            value = compute()
            entry = Cached(value, utcnow(), self.clock())
            with self._lock:
                self._entries[key] = entry
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            return entry

    def _usable(
        self, key: Hashable, ttl: float, refresh: bool, now: float, waited_since: float | None = None
    ) -> Cached | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        age = now - entry.stamp
        if age >= ttl:
            return None
        fresh = waited_since is not None and entry.stamp >= waited_since
        if refresh and age >= REFRESH_MIN_SECONDS and not fresh:
            return None
        return Cached(entry.value, entry.computed_at, entry.stamp, hit=True)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def ttl() -> int:
    return int(current_app.config.get("DASHBOARD_CACHE_SECONDS", 0))


def scope_key(user: User) -> str | None:
    """What selects the user's figures (see the module's docstring); None: not cached."""
    if user.role == Role.MANAGER:
        return "city"
    if user.role == Role.COUNTY_HEAD:
        return f"county:{user.region_id}"
    return None
