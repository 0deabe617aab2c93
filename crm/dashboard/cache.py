"""The dashboard's cache: shared through Redis when REDIS_URL is set (crm.dashboard.shared_cache), else the
in-process crm.figure_cache.FigureCache, one per app (so per gunicorn worker). crm.figure_cache explains why and
what the key holds."""

import threading
from typing import TYPE_CHECKING

from flask import Config, current_app

from crm.figure_cache import FigureCache

if TYPE_CHECKING:
    from crm.dashboard.shared_cache import SharedFigureCache

_created = threading.Lock()


def figure_cache() -> "FigureCache | SharedFigureCache":
    """The application's cache: shared through Redis when REDIS_URL is set (crm.dashboard.shared_cache), else one
    per app, so per gunicorn worker."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache = app.extensions.get("dashboard_cache")
    if cache is None:
        with _created:
            cache = app.extensions.get("dashboard_cache") or _create(app.config)
            app.extensions["dashboard_cache"] = cache
    return cache


def _create(config: Config) -> "FigureCache | SharedFigureCache":
    url = config.get("REDIS_URL")
    if not url:
        return FigureCache()
    from crm.dashboard.shared_cache import (  # deliberate: redis loads only when configured
        SharedFigureCache,
        connect,
    )

    return SharedFigureCache(connect(url), prefix=config.get("DASHBOARD_CACHE_PREFIX", "crm:dashboard:"))
