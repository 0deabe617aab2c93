"""What operators see and what browsers are told: request ids, structured logs and security headers.

Every request gets an id (the proxy's X-Request-ID when it sends a sane one, else a new one); it is echoed in the
response, attached to every log record made while the request runs (with the user's id) and written in one access
line per request. With LOG_FORMAT=json (the production default) each record is one JSON object per line, ready
for journald, Loki or a plain `grep`; with LOG_FORMAT=text the same fields appear in a readable line.
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import TextIO

from flask import Flask, Response, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import inspect as sa_inspect
from werkzeug.serving import WSGIRequestHandler

access_log = logging.getLogger("crm.access")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

# The policy allows this site's own files only: no inline script or style, no eval, no framing, no plugins.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",  # Bootstrap's form controls draw their arrows from data: SVGs
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
HSTS = "max-age=31536000"
SERVER_NAME = "crm"  # what the Server header says: no product version for a scanner to look up


def request_context() -> dict:
    """The request id and user id of the current request ({} outside one)."""
    if not has_request_context():
        return {}
    try:
        user_id = _signed_in_user_id()
    except Exception:  # logging must never fail a request (e.g. while the database is down)
        user_id = None
    return {"request_id": g.get("request_id"), "user_id": user_id}


def _signed_in_user_id() -> str | None:
    """The signed-in user's id from the key the user was loaded by (the loader refuses inactive users). Asking the
    user object instead (is_authenticated, id) reloaded it after a request had committed, which expires it: one
    statement more on every form that saves, for the access line."""
    state = sa_inspect(current_user._get_current_object(), raiseerr=False)
    return str(state.identity[0]) if state is not None and state.identity else None


class RequestContextFilter(logging.Filter):
    """Adds request_id and user_id to every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context()
        for key in ("request_id", "user_id"):
            if not hasattr(record, key):
                setattr(record, key, context.get(key))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request/user ids and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s user=%(user_id)s] %(message)s"


def make_handler(fmt: str, stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestContextFilter())
    handler.set_name("crm")
    return handler


def configure_logging(app: Flask) -> None:
    """Send the app's records (and gunicorn's, and APScheduler's) through one handler on the root logger, once per
    process. Tests keep pytest's own capture instead."""
    if app.testing:
        return
    root = logging.getLogger()
    if any(h.get_name() == "crm" for h in root.handlers):
        return
    root.addHandler(make_handler(app.config["LOG_FORMAT"]))
    root.setLevel(app.config["LOG_LEVEL"])


def _start_request() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static":
        started = g.get("request_started")
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "remote_addr": request.remote_addr,
            },
        )
    return response


def quiet_dev_server() -> None:
    """Werkzeug's server (`make run`) says "Werkzeug/3.x Python/3.x" in every Server header, before the app has a
    say: make it name no product or version. gunicorn says only "gunicorn"."""
    WSGIRequestHandler.version_string = lambda self: SERVER_NAME  # type: ignore[method-assign]


def init_observability(app: Flask) -> None:
    configure_logging(app)
    app.before_request(_start_request)
    app.after_request(_finish_request)
