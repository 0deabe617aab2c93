"""The dashboard's figures computed ahead by the scheduler and kept in the database (DashboardSnapshot).

Why: at 100,000 entries and 150,000 projects, computing a city's figures takes 1.5–2 s on PostgreSQL (counting
every target and project several ways: bench/projects.py), so the first visitor after the short in-process cache
expired (crm.dashboard.cache), and every visitor of a worker that had not computed them yet, waited that long.
Now the scheduler's `figures` job computes the figures of the city and of each county with a county head every
DASHBOARD_SNAPSHOT_MINUTES, and a request without figures in its process reads the newest snapshot of its scope,
year and day (one row) when it is younger than DASHBOARD_SNAPSHOT_SECONDS. The page says when the figures were
computed and offers to compute them again ("Refresh now" computes and stores a new snapshot). Without a recent
snapshot (no scheduler, another year) the request computes the figures itself and stores them for the others.
DASHBOARD_SNAPSHOT_SECONDS = 0 turns snapshots off (the tests do, except tests/dashboard/test_snapshots.py).

The figures are stored as JSON: dataclasses of crm's own modules by name with their fields, dates, decimals and
dicts with any keys tagged, so that `decode(encode(f)) == f` (the test holds every field of a seeded dashboard to
it). No pickle: what the database holds is data, never code.
"""

import gc
import importlib
import json
import logging
from dataclasses import fields, is_dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select

from crm.dashboard.models import DashboardSnapshot
from crm.extensions import db, dialect_insert

log = logging.getLogger(__name__)


def encode(value: Any) -> Any:
    """A JSON-ready form of the figures (see the module's docstring)."""
    if is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        return {"$t": f"{kind.__module__}:{kind.__qualname__}",
                "f": {f.name: encode(getattr(value, f.name)) for f in fields(value)}}  # fmt: skip
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$n": str(value)}
    if isinstance(value, dict):
        return {"$m": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"$tu": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"cannot keep a {type(value).__name__} in a dashboard snapshot")


def _dataclass(name: str) -> type:
    module, _sep, qualname = name.partition(":")
    if not module.startswith("crm."):
        raise ValueError(f"not one of crm's figures: {name}")
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    if not (isinstance(found, type) and is_dataclass(found)):
        raise ValueError(f"not a dataclass: {name}")
    return found


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$t" in value:
        return _dataclass(value["$t"])(**{k: decode(v) for k, v in value["f"].items()})
    if "$dt" in value:
        return datetime.fromisoformat(value["$dt"])
    if "$d" in value:
        return date.fromisoformat(value["$d"])
    if "$n" in value:
        return Decimal(value["$n"])
    if "$m" in value:
        return {decode(k): decode(v) for k, v in value["$m"]}
    if "$tu" in value:
        return tuple(decode(v) for v in value["$tu"])
    raise ValueError(f"unknown value in a dashboard snapshot: {sorted(value)}")


def max_age() -> int:
    return int(current_app.config.get("DASHBOARD_SNAPSHOT_SECONDS", 0))


def load(scope: str, year: int, day: date, now: datetime) -> tuple[Any, datetime] | None:
    """The figures kept for the scope, year and day with when they were computed, if younger than max_age()."""
    if max_age() <= 0:
        return None
    row = db.session.execute(
        select(DashboardSnapshot.payload, DashboardSnapshot.computed_at).where(
            DashboardSnapshot.scope == scope, DashboardSnapshot.year == year, DashboardSnapshot.day == day,
            DashboardSnapshot.computed_at > now - timedelta(seconds=max_age()),
        )
    ).first()  # fmt: skip
    if row is None:
        return None
    try:
        return _read(row.payload), row.computed_at
    except (ValueError, TypeError, KeyError, AttributeError, ImportError):
        # Written by another version of the code (a field renamed since): computed again instead.
        log.warning(
            "dashboard snapshot %s/%s/%s unreadable; computing afresh", scope, year, day, exc_info=True
        )
        return None


def _read(payload: str) -> Any:
    return decode_value(json.loads(payload))


def decode_value(value: Any) -> Any:
    """The figures from their parsed JSON. A city's set is ~350 KB, some 100,000 small objects, none of them in a
    cycle: the cyclic garbage collector, which such a burst of allocations sets off (a full collection of the
    process took up to 100 ms: bench/projects.py's p95), is paused while they are built."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return decode(value)
    finally:
        if paused:
            gc.enable()


def store(scope: str, year: int, day: date, figures: Any, computed_at: datetime, seconds: float) -> None:
    """Keep the figures for every worker (one row per scope, year and day; the newest wins)."""
    if max_age() <= 0:
        return
    payload = json.dumps(encode(figures), ensure_ascii=False, separators=(",", ":"))
    values = {"payload": payload, "computed_at": computed_at, "seconds": round(seconds, 3)}
    table = DashboardSnapshot.__table__
    statement = dialect_insert(table).values(scope=scope, year=year, day=day, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["scope", "year", "day"], set_=values))
    db.session.commit()
