"""The Jinja environment: the filters (crm.formatting) and the globals every template uses. Part of the web
layer: it reads the request, the user's inbox and the calendar."""

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from crm import vocab
from crm.formatting import local_time, nl2br, wan
from crm.plans.calendar import request_calendar
from crm.plans.lights import Light
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


_SENTINEL = 7_390_000_000_000  # far beyond any id; one per argument, counted up from here
_SENTINELS = re.compile(r"739000000000\d")


def row_url(endpoint: str, *row_args: str, **fixed: Any) -> Callable[..., str]:
    """url_for(endpoint) for a list's rows: built once, then filled in per row with integer ids (a list of 40
    tasks called url_for 90 times, a sixth of the page's time). row_url('plans.log_contact', 'entry_id', 'task',
    back=back) returns make, and make(5, 7) == url_for('plans.log_contact', entry_id=5, task=7, back=back). Only
    integers go in (int() refuses anything else), where url_for would have written the same digits."""
    sentinels: dict[str, Any] = {name: _SENTINEL + i for i, name in enumerate(row_args)}
    built = url_for(endpoint, **sentinels, **fixed)
    parts = _SENTINELS.split(built)
    order = [int(found) - _SENTINEL for found in _SENTINELS.findall(built)]
    if sorted(order) != list(range(len(row_args))):  # each argument written once, as its digits
        raise ValueError(f"row_url({endpoint!r}): the URL does not carry each argument once: {built}")

    def make(*values: int) -> str:
        digits = [str(int(values[i])) for i in order]
        return "".join(part + digit for part, digit in zip(parts, [*digits, ""], strict=True))

    return make


# The two badges the task lists repeat on every row, written here rather than as Jinja macros: a macro call costs
# ~12 µs, and my tasks showed ~95 of them (a phone's 我的任务 spent a tenth of its rendering on them). Markup.format
# escapes every value it puts in, as the templates' autoescaping does.
_NOTHING = Markup("")
_LIGHT = Markup('<span class="badge text-bg-{}" data-testid="light" title="{}">{}</span>')
_PROVISIONAL = Markup(
    '<span class="badge text-bg-warning" data-testid="provisional-mark" title="{}">{}</span>'
)


def light_badge(light: Light | None) -> Markup:
    """A target's light (红/黄/绿) with its reasons as the tooltip; nothing for no light."""
    if not light:
        return _NOTHING
    return _LIGHT.format(light.bootstrap, "；".join(map(str, light.reasons)), vocab.LIGHTS[light.colour])


def provisional_mark(day: date | None) -> Markup:
    """A mark beside a date counted over a year whose holiday notice is not in yet (issue 19); nothing else."""
    if not request_calendar().provisional(day):
        return _NOTHING
    return _PROVISIONAL.format(
        _("Provisional: the holiday schedule of this year is not published yet."), _("provisional")
    )


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["wan"] = wan
    app.jinja_env.filters["nl2br"] = nl2br
    app.jinja_env.filters["industry_path"] = industry_path
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["row_url"] = row_url
    app.jinja_env.globals["vocab"] = vocab
    app.jinja_env.globals["work_calendar"] = request_calendar  # which dates are provisional
    app.jinja_env.globals["light_badge"] = light_badge
    app.jinja_env.globals["provisional_mark"] = provisional_mark
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
