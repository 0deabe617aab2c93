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


def refusal(action: Callable[[], object]) -> DomainError | None:
    """Run one service call for a view that shows its form again when refused: Forbidden is a 403; any other
    refusal is rolled back, flashed (a stale write as a warning) and returned, for the view to re-render with
    what was typed; None when it succeeded."""
    try:
        action()
    except Forbidden:
        db.session.rollback()
        abort(403)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "warning" if isinstance(error, StaleRecord) else "danger")
        return error
    return None


def refused_status(error: DomainError) -> int:
    return 409 if isinstance(error, StaleRecord) else 422
