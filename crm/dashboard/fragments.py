"""The dashboard page's rankings and breakdowns, rendered once per set of figures.

Why: those two cards are most of the page (six breakdown tables and two rankings, some 1,500 drill-down links:
300 KB of HTML for a city) and rendering them took 80–100 ms of a cached page's ~110 ms, so figures served from
the cache (crm.dashboard.cache) still cost a full render. What they show depends only on the figures (and the
ranking formula they were computed with), so the HTML is kept beside them: the key is the scope, year and day of
the figures and the moment they were computed (a new computation, a refresh or another worker's snapshot has
another moment, so it is rendered afresh), and the language. Everything else on the page (goals, chains, the
user's own links) is rendered on every request.

Kept per process, at most MAX_KEPT pages' worth (a few MB), least recently used dropped first."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from flask_babel import get_locale
from markupsafe import Markup

if TYPE_CHECKING:
    from crm.dashboard.services import Dashboard

MAX_KEPT = 16

_lock = threading.Lock()
_kept: OrderedDict[Hashable, Markup] = OrderedDict()


def tables(scope: str | None, dash: "Dashboard", render: Callable[[], str]) -> Markup:
    """The HTML `render()` returns for these figures: kept from an earlier request when there is one. `scope`
    None (a role whose figures are not shared) renders every time."""
    if scope is None:
        return _rendered(render)
    key = (scope, dash.year, dash.today, dash.computed_at, str(get_locale()))
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
            return html
    html = _rendered(render)
    with _lock:
        _kept[key] = html
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
    return html


def _rendered(render: Callable[[], str]) -> Markup:
    return Markup(render())  # render_template's output, autoescaped as it was rendered


def clear() -> None:
    with _lock:
        _kept.clear()
