"""Error pages in one place; a 500 rolls the session back so the next request starts clean, a database that cannot
be reached answers a page of its own (503) instead of a bare Internal Server Error, and a connection the database
ended under a finished request does not turn it into a 500."""

import contextlib

from flask import Flask, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from crm.api.errors import PREFIX as API_PREFIX
from crm.api.errors import RETRY_AFTER_SECONDS, error_response
from crm.extensions import db

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have permission to do this."),
    404: _l("The page or record does not exist, or is outside your scope."),
    405: _l("This action is not allowed this way."),
    413: _l("The upload is too large."),
    500: _l("Something went wrong on our side. The error has been logged; please try again."),
}


def init_errorhandlers(app: Flask) -> None:
    def render(code: int, message: str | None = None) -> ResponseReturnValue:
        if request.path.startswith(API_PREFIX):  # no route matched, so no blueprint handler ran: answer JSON
            return error_response(code)
        return render_template("errors/error.html", code=code, message=message or MESSAGES[code]), code

    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, lambda e, code=code: render(code))

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError) -> ResponseReturnValue:
        return render(
            400, _("The form expired or was not sent from this site. Go back, reload and try again.")
        )

    @app.errorhandler(500)
    def server_error(e: Exception) -> ResponseReturnValue:
        db.session.rollback()
        return render(500)

    @app.errorhandler(OperationalError)
    def database_unavailable(e: OperationalError) -> tuple[str, int, dict[str, str]]:
        """The database refused or dropped the connection (down, restarting, out of connections) or cancelled the
        statement: 503 with a standalone page, since base.html itself needs the database (the logged-in user, the
        unread count). It is rendered without the context processors, as Flask-Login's loads the user (from the
        database) for every template. One log line, not a traceback per request: an outage would bury the rest."""
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        reason = str(e.orig if e.orig is not None else e).strip().splitlines()[0][:300]
        current_app.logger.error("database unavailable: %s %s: %s", request.method, request.path, reason)
        template = current_app.jinja_env.get_template("errors/database_unavailable.html")
        page = template.render(retry=request.method == "GET")
        return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    @app.teardown_appcontext
    def release_session(exc: BaseException | None) -> None:
        """Close the request's session before Flask-SQLAlchemy does (teardowns run last-registered first). When
        PostgreSQL ended the connection after the view's last statement (a restart), the closing ROLLBACK fails;
        raised from a teardown, that would turn the finished page into gunicorn's bare 500. The server has already
        rolled that transaction back, so the broken session is dropped with one log line."""
        try:
            db.session.remove()
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300]
            current_app.logger.error("database connection lost while closing the session: %s", reason)
            db.session.registry.clear()
