"""The totals of long lists, kept a few seconds per process.

Why: a list page shows 20 rows and "共 N 条". The rows come from an index in a millisecond or two, but N counts
every row that passes the filters: at 100,000 entries the manager's whole list took 8–12 ms to count, the red
lights 35 ms (the light condition over every worked target), a name search 11–13 ms, on every page turn and every
reload. A total in the thousands that is a few seconds old tells a director as much as an exact one.

So a total of at least LIST_COUNT_KEEP_FROM rows (2,000) is kept LIST_COUNT_SECONDS (20) for the same list (the
user, the list's filters and the day); smaller totals, which are cheap to count and where one more or less shows,
are counted on every request. Any write flushed in this process (a new entry, a log that changes a light, an
edit) forgets every kept total, so a user sees their own change at once; another worker's change shows within
LIST_COUNT_SECONDS. LIST_COUNT_SECONDS = 0 turns it off (the tests do, except tests/test_list_counts.py)."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

MAX_KEPT = 512

_lock = threading.Lock()
_kept: OrderedDict[Hashable, tuple[int, float, int]] = OrderedDict()  # key → (total, when, generation)
_generation = 0


def _clock() -> float:
    return time.monotonic()  # tests replace _clock


def counted(key: Hashable, count: Callable[[], int]) -> int:
    """The total for `key`: kept if young enough and nothing was written since, otherwise `count()`."""
    seconds = current_app.config.get("LIST_COUNT_SECONDS", 0)
    if seconds <= 0:
        return count()
    now, key = _clock(), (current_app.config["SQLALCHEMY_DATABASE_URI"], key)  # one app per database
    with _lock:
        found = _kept.get(key)
        if found is not None and found[2] == _generation and now - found[1] < seconds:
            _kept.move_to_end(key)
            return found[0]
        generation = _generation
    total = count()
    if total >= current_app.config.get("LIST_COUNT_KEEP_FROM", 2000):
        with _lock:
            _kept[key] = (total, now, generation)
            while len(_kept) > MAX_KEPT:
                _kept.popitem(last=False)
    return total


def forget() -> None:
    """Every kept total is stale from now on."""
    global _generation
    with _lock:
        _generation += 1
        _kept.clear()


def _written(session: Session) -> None:
    session.info["list_counts_written"] = True
    forget()


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    if session.new or session.dirty or session.deleted:
        _written(session)


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state) -> None:
    """UPDATE / DELETE / INSERT statements run through the session (a stage moved for many rows at once)."""
    if state.is_update or state.is_delete or state.is_insert:
        _written(state.session)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop("list_counts_written", None)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    """A write rolled back: a total counted meanwhile in this session may include it."""
    if session.info.pop("list_counts_written", None):
        forget()
