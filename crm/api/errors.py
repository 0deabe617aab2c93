"""The API's errors: always `{"error": {"code": "<stable_snake_case>", "message": "<Chinese>"}}`.

The handlers are registered on the API blueprint only, so the HTML pages keep theirs; crm.errors sends the
routing-level 404/405 under /api/ here too (no blueprint is known before a route matches)."""

import contextlib

from flask import Blueprint, current_app, jsonify
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db

PREFIX = "/api/"
# Seconds a client (or a monitor) is told to wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 30
CODES = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthorized", _l("Send a valid personal API token as 'Authorization: Bearer <token>'.")),
    403: ("forbidden", _l("You do not have permission to do this.")),
    404: ("not_found", _l("The record does not exist, or is outside your scope.")),
    405: ("method_not_allowed", _l("This action is not allowed this way.")),
    409: ("stale_version", _l("Someone else changed this record. Load it again and retry.")),
    413: ("too_large", _l("The request is too large.")),
    415: ("unsupported_media_type", _l("Send the request body as JSON.")),
    422: ("unprocessable", _l("The request was understood but its values are not acceptable.")),
    503: (
        "database_unavailable",
        _l("The database is temporarily unavailable. Please try again in a minute."),
    ),
    500: (
        "server_error",
        _l("Something went wrong on our side. The error has been logged; please try again."),
    ),
}


class ApiError(Exception):
    """An API refusal with its status, stable code and message."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None):
        super().__init__(message)
        default_code, default_message = CODES.get(status, CODES[500])
        self.status, self.code, self.message = status, code or default_code, message or str(default_message)


def error_response(status: int, code: str | None = None, message: str | None = None):
    error = ApiError(status, code, message)
    response = jsonify({"error": {"code": error.code, "message": error.message}})
    response.status_code = error.status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def from_domain(error: DomainError) -> ApiError:
    """A service's refusal as an API error: Forbidden 403, a stale write 409, any other broken rule 422."""
    if isinstance(error, Forbidden):
        return ApiError(403, "forbidden", str(error))
    if isinstance(error, StaleRecord):
        return ApiError(409, "stale_version", str(error))
    return ApiError(422, "rule_violated", str(error))


def init_api_errors(bp: Blueprint) -> None:
    @bp.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error_response(error.status, error.code, error.message)

    @bp.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        mapped = from_domain(error)
        return error_response(mapped.status, mapped.code, mapped.message)

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code if error.code in CODES else 400
        return error_response(status)

    @bp.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        """The database is down or restarting: 503 with Retry-After, one log line (the catch-all below would
        answer 500 and log a traceback for every call of a polling program)."""
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        current_app.logger.error("database unavailable: %s", str(error.orig or error).strip()[:300])
        response = error_response(503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @bp.errorhandler(Exception)
    def server_error(error: Exception):
        db.session.rollback()
        current_app.logger.exception("API error")
        return error_response(500)
