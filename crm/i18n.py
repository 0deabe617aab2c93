"""Locale and timezone selection: the bureau works in Chinese, in Beijing time; and finding the translations once
per babel context instead of on every string."""

from functools import lru_cache
from typing import Any

from babel import Locale
from flask import Flask, current_app
from flask.globals import _cv_app
from flask_babel import Domain, _get_current_context, get_translations

# _get_current_context: the namespace where flask-babel keeps a context's locale, forced locale and translations
# (flask-babel 4.0, pinned in requirements.txt); force_locale() and refresh() reset `babel_translations` there.


@lru_cache(maxsize=8)
def _locale(identifier: str) -> Locale:
    """Parsing a locale name looks it up among Babel's 800 identifiers; flask-babel does it on every request for a
    name, and takes a Locale as it is."""
    return Locale.parse(identifier)


def select_locale() -> Locale:
    return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def _kept_translations() -> Any:
    """The translations kept on this context, read without flask's proxies (`g` is a proxy, and flask-babel looks
    it up three times per string): None outside an app context or before the first string of one."""
    ctx = _cv_app.get(None)
    if ctx is None:
        return None
    babel_ctx = ctx.g.__dict__.get("_flask_babel")
    return getattr(babel_ctx, "babel_translations", None)


def _translations() -> Any:
    found = _kept_translations()
    return get_translations() if found is None else found


def install_template_gettext(app: Flask) -> None:
    """The templates' _() and ngettext() read the kept translations directly: a page translates a hundred-odd
    strings (labels, buttons, the navigation), each through flask-babel's get_translations() and its six proxy
    lookups before. Same strings, same force_locale() behaviour (it clears the kept translations)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


class ContextDomain(Domain):
    """flask-babel's message domain, with the translations found once per babel context (a request, or a job's app
    context) and kept on it. flask-babel looks the context, the locale and its name up again for every string —
    some 10 µs each, and a page translates a hundred or more (labels, buttons, the navigation). force_locale() and
    refresh() clear the kept translations, so a forced locale still gets its own."""

    def get_translations(self) -> Any:
        found = _kept_translations()
        if found is not None:
            return found
        ctx = _get_current_context()
        if ctx is None:
            return super().get_translations()
        found = getattr(ctx, "babel_translations", None)
        if found is None:
            found = ctx.babel_translations = super().get_translations()
        return found
