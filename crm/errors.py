"""Error pages in one place; a 500 rolls the session back so the next request starts clean."""

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from crm.api.errors import PREFIX as API_PREFIX
from crm.api.errors import error_response
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
    def render(code: int, message: str | None = None):
        if request.path.startswith(API_PREFIX):  # no route matched, so no blueprint handler ran: answer JSON
            return error_response(code)
        return render_template("errors/error.html", code=code, message=message or MESSAGES[code]), code

    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, lambda e, code=code: render(code))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render(
            400, _("The form expired or was not sent from this site. Go back, reload and try again.")
        )

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        return render(500)
