"""The page chrome every page repeats: the navigation bar and the command palette's dialog. Rendering them was
about 1 ms of CPU on every request (some forty url_for calls, thirty strings, the role's menu; a quarter of the
smallest page), for markup that changes only with who is looking, at which page, with how many unread messages. Each is rendered once per what it
shows and kept per process (bounded, least recently used first out); the key holds every input of the template,
so nothing kept can be stale: a renamed user, a moved county or one more unread message is a new key.

The logout form's CSRF token belongs to the session: the kept navigation holds a placeholder that each request
replaces with its own token, so one session's token is never shown to another."""

from collections import OrderedDict
from threading import Lock
from typing import Any

from flask import Flask, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from crm.inbox.services import unread_for_navigation

KEEP = 512  # navigations (~8 KB each) per process
CSRF_PLACEHOLDER = "\x00csrf-token\x00"  # NUL never occurs in a rendered page (tests/test_chrome.py checks)


class _Fragments:
    """A small thread-safe LRU of rendered fragments."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple, str] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple, html: str) -> None:
        with self._lock:
            self._items[key] = html
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_navs = _Fragments(KEEP)
_palettes = _Fragments(8)


def _nav_key(user: Any, endpoint: str | None, unread: int) -> tuple:
    region = user.region.name if user.region else None
    return (
        str(get_locale()),
        request.script_root,
        user.id,
        user.role,
        user.full_name,
        region,
        endpoint,
        unread,
    )


def page_nav() -> Markup:
    """The navigation bar for this request (templates/_nav.html)."""
    user = current_user._get_current_object()
    endpoint = request.endpoint
    if not user.is_authenticated:
        return Markup(render_template("_nav.html", user=user, endpoint_here=endpoint, unread=0))
    unread = unread_for_navigation(user)
    key = _nav_key(user, endpoint, unread)
    html = _navs.get(key)
    if html is None:
        html = render_template(
            "_nav.html", user=user, endpoint_here=endpoint, unread=unread, csrf_placeholder=CSRF_PLACEHOLDER
        )
        _navs.put(key, html)
    return Markup(html.replace(CSRF_PLACEHOLDER, generate_csrf()))


def page_palette() -> Markup:
    """The command palette's dialog (templates/_palette.html): the same for everyone in a locale."""
    key = (str(get_locale()), request.script_root)
    html = _palettes.get(key)
    if html is None:
        html = render_template("_palette.html")
        _palettes.put(key, html)
    return Markup(html)


def forget() -> None:
    """Drop every kept fragment (tests; a deployment never needs to: the keys hold every input)."""
    _navs.clear()
    _palettes.clear()


def init_chrome(app: Flask) -> None:
    app.jinja_env.globals["page_nav"] = page_nav
    app.jinja_env.globals["page_palette"] = page_palette
