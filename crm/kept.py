"""Values kept a few seconds per process and forgotten at once when this process writes what they depend on.

Shared by crm.list_counts (list totals) and crm.refdata.choices (the filter rows' choices). A `Kept` holds values
by key with the moment they were built and a generation; a write in this process (a flush that `touches` says
matters, an UPDATE/DELETE/INSERT through the session on such a mapper, and the rollback of such a write) bumps
the generation, so every kept value is built again. Another worker's write shows when the seconds run out."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

Touches = Callable[[Iterable[type]], bool]  # does a write to these classes concern the kept values?


def _clock() -> float:
    return time.monotonic()


class Kept:
    def __init__(self, name: str, touches: Touches, max_kept: int = 512) -> None:
        self.flag = f"kept_written:{name}"
        self.touches = touches
        self.max_kept = max_kept
        self.clock: Callable[[], float] = _clock  # tests replace it
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, tuple[Any, float, int]] = (
            OrderedDict()
        )  # key → (value, when, gen)
        self._generation = 0
        _ALL.append(self)

    def get(
        self, key: Hashable, seconds: float, build: Callable[[], Any], keep: Callable[[Any], bool] = bool
    ) -> Any:
        """The value for `key` (per database: one app per database) if younger than `seconds` and nothing was
        written since; otherwise `build()`, kept when `keep(value)`. `seconds` <= 0 builds every time."""
        if seconds <= 0:
            return build()
        now, key = self.clock(), (current_app.config["SQLALCHEMY_DATABASE_URI"], key)
        with self._lock:
            found = self._values.get(key)
            if found is not None and found[2] == self._generation and now - found[1] < seconds:
                self._values.move_to_end(key)
                return found[0]
            generation = self._generation
        value = build()
        if keep(value):
            with self._lock:
                self._values[key] = (value, now, generation)
                while len(self._values) > self.max_kept:
                    self._values.popitem(last=False)
        return value

    def forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._values.clear()

    def _written(self, session: Session) -> None:
        session.info[self.flag] = True
        self.forget()

    def _committed(self, session: Session) -> None:
        """The write is committed: forget again what another thread built from the old rows between the flush
        and the commit."""
        if session.info.pop(self.flag, None):
            self.forget()

    def _rolled_back(self, session: Session) -> None:
        """A write rolled back: a value built meanwhile in this session may show it."""
        if session.info.pop(self.flag, None):
            self.forget()


# One set of session listeners for every Kept: each statement of a page passed through four listeners per Kept
# (six of them), almost all to learn that a SELECT writes nothing.
_ALL: list[Kept] = []


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    classes = {type(o) for o in (*session.new, *session.dirty, *session.deleted)}
    if classes:
        for kept in _ALL:
            if kept.touches(classes):
                kept._written(session)


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: ORMExecuteState) -> None:
    if state.is_select or not (state.is_update or state.is_delete or state.is_insert):
        return
    classes = [m.class_ for m in state.all_mappers]
    for kept in _ALL:
        if kept.touches(classes):
            kept._written(state.session)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for kept in _ALL:
        kept._committed(session)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    for kept in _ALL:
        kept._rolled_back(session)
