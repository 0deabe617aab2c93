"""What the HTML views share when they call a service."""

from collections.abc import Callable

from flask import abort, flash

from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db


def attempt(action: Callable[[], object], done: str | None = None) -> bool:
    """Run one service call for a view. Forbidden is a 403; any other refusal rolls back and is flashed (a stale
    write as a warning, a broken rule as an error); success flashes `done`. Returns whether it succeeded."""
    try:
        action()
    except Forbidden:
        db.session.rollback()
        abort(403)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "warning" if isinstance(error, StaleRecord) else "danger")
        return False
    if done:
        flash(done, "success")
    return True
