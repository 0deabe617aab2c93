"""The dashboard page's rankings and breakdowns, and its Excel export, rendered once per set of figures.

Why: those two cards are most of the page (six breakdown tables and two rankings, some 1,500 drill-down links:
300 KB of HTML for a city) and rendering them took 80–100 ms of a cached page's ~110 ms, so figures served from
the cache (crm.dashboard.cache) still cost a full render. What they show depends only on the figures (and the
ranking formula they were computed with), so the HTML is kept beside them: the key is the scope, year and day of
the figures and the moment they were computed (a new computation, a refresh or another worker's snapshot has
another moment, so it is rendered afresh), and the language. Everything else on the page (goals, chains, the
user's own links) is rendered on every request.

The Excel export is the same figures again as fifteen sheets (some 4,000 cells at city scale, ~150–250 ms of
openpyxl per download) plus the industry chains' sheet; its bytes are kept under the same key with the chains'
rows added, so a changed chain builds it afresh.

Kept per process, at most MAX_KEPT pages' or workbooks' worth (a few MB), least recently used dropped first."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from flask_babel import get_locale
from markupsafe import Markup

if TYPE_CHECKING:
    from crm.dashboard.services import Dashboard

MAX_KEPT = 16

_lock = threading.Lock()
_kept: OrderedDict[Hashable, Any] = OrderedDict()


def tables(scope: str | None, dash: "Dashboard", render: Callable[[], str]) -> Markup:
    """The HTML `render()` returns for these figures: kept from an earlier request when there is one. `scope`
    None (a role whose figures are not shared) renders every time."""
    if scope is None:
        return _rendered(render)
    return _keep(("tables", scope, *_figures(dash)), lambda: _rendered(render))


def workbook(scope: str | None, dash: "Dashboard", also: Hashable, build: Callable[[], bytes]) -> bytes:
    """The export's bytes for these figures and `also` (what else the workbook shows: the chains' rows), built
    once; `scope` None builds every time."""
    if scope is None:
        return build()
    return _keep(("workbook", scope, *_figures(dash), also), build)


def _figures(dash: "Dashboard") -> tuple[Hashable, ...]:
    return dash.year, dash.today, dash.computed_at, str(get_locale())


def _keep(key: Hashable, make: Callable[[], Any]) -> Any:
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    made = make()
    with _lock:
        _kept[key] = made
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
    return made


def _rendered(render: Callable[[], str]) -> Markup:
    return Markup(render())  # render_template's output, autoescaped as it was rendered


def clear() -> None:
    with _lock:
        _kept.clear()
