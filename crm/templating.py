"""The Jinja environment: the filters (crm.formatting) and the globals every template uses. Part of the web
layer: it reads the request, the user's inbox and the calendar."""

from typing import Any

from flask import Flask, request, url_for

from crm import vocab
from crm.formatting import local_time, nl2br, wan
from crm.plans.calendar import request_calendar
from crm.refdata.choices import industry_path


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments changed (None removes one); used by sort and paging links."""
    # Only plain query arguments: url_for treats '_external', '_method' etc. and view-argument names specially.
    reserved = set(request.view_args or {}) | {"endpoint", "values"}
    args: dict[str, Any] = {
        k: v for k, v in request.args.items() if not k.startswith("_") and k not in reserved
    }
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    assert request.endpoint is not None  # a page's own URL: the request matched a route
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["wan"] = wan
    app.jinja_env.filters["nl2br"] = nl2br
    app.jinja_env.filters["industry_path"] = industry_path
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["vocab"] = vocab
    app.jinja_env.globals["work_calendar"] = request_calendar  # which dates are provisional
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
