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

import time
from collections.abc import Callable, Hashable

from flask import current_app

from crm.kept import Kept

_kept = Kept("list_counts", touches=lambda classes: any(True for _ in classes))  # any write at all
_kept.clock = lambda: _clock()  # looked up on each call, so tests can replace _clock


def _clock() -> float:
    return time.monotonic()


def counted(key: Hashable, count: Callable[[], int]) -> int:
    """The total for `key`: kept if young enough and nothing was written since, otherwise `count()`."""
    least = current_app.config.get("LIST_COUNT_KEEP_FROM", 2000)
    return _kept.get(
        key, current_app.config.get("LIST_COUNT_SECONDS", 0), count, keep=lambda total: total >= least
    )


def forget() -> None:
    """Every kept total is stale from now on."""
    _kept.forget()
