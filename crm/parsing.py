"""Parsing untrusted numbers from URLs and forms without 500s."""

from datetime import date
from typing import Any, overload
from urllib.parse import urlsplit

from flask import Request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter, Map
from wtforms import Field, ValidationError

MAX_ID = 2**31 - 1  # the largest INTEGER both SQLite and PostgreSQL columns here accept
MAX_DIGITS = 18  # any number a column here holds (BIGINT included) has fewer digits; int() refuses over 4,300


@overload
def parse_int(raw: object, default: int, maximum: int = MAX_ID) -> int: ...
@overload
def parse_int(raw: object, default: None = None, maximum: int = MAX_ID) -> int | None: ...
def parse_int(raw: object, default: int | None = None, maximum: int = MAX_ID) -> int | None:
    """The one reader of whole numbers from URLs, forms, JSON and import cells: ASCII digits only ('²' is a
    digit to str.isdigit but not to int), within 0..maximum; else `default`. The length is checked before int()
    sees the text (a 5,000-digit string would be a ValueError there, and a slow one)."""
    text = str(raw).strip() if raw is not None else ""
    if not text or len(text) > 64 or not text.isascii() or not text.isdigit():
        return default
    text = text.lstrip("0") or "0"
    if len(text) > MAX_DIGITS:
        return default
    value = int(text)
    return value if value <= maximum else default


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in routes: ids past the database's INTEGER range are a 404, not an overflow."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def form_version(form: FlaskForm) -> int:
    """The record version a form was rendered with; missing or junk counts as stale (-1), never as 'skip the check'."""
    return parse_int(form.version.data, default=-1)


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site ('/x?y'), else None: never an open redirect ('//host', 'https:',
    '/\\host' all refused), and never a control character (a line break in a Location header is a 500)."""

    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if has_control_characters(target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
LINE_BREAKS = set("\u2028\u2029\u0085")


def one_line(text: str | None) -> str:
    """`text` without control characters (CR, LF, tab, NUL …), Unicode line separators or bidirectional overrides
    (U+202E shows a name backwards): what a single-line value such as a name may hold."""
    return "".join(
        " " if c in "\t\r\n" else c
        for c in (text or "")
        if not (ord(c) < 32 and c not in "\t\r\n") and ord(c) != 127 and c not in BIDI_CONTROLS | LINE_BREAKS
    )


def plain_lines(text: str | None) -> str:
    """`text` without control characters or bidirectional overrides, keeping its line breaks and tabs: what a
    multi-line value such as notes may hold."""
    return "".join(
        c
        for c in (text or "")
        if (ord(c) >= 32 or c in "\t\r\n") and ord(c) != 127 and c not in BIDI_CONTROLS
    )


def has_control_characters(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def has_nul(request: Request) -> bool:
    """A NUL character in the query string, the form (names or values) or an uploaded file's name. PostgreSQL can
    neither store nor compare text holding one (every such request was a 500 there), and nobody types one."""
    pairs = [*request.args.items(multi=True), *request.form.items(multi=True)]
    names = [f.filename or "" for f in request.files.values()]
    return any("\x00" in text for pair in pairs for text in pair) or any("\x00" in name for name in names)


EARLIEST = date(2000, 1, 1)


def sane_date(day: date | None, years_ahead: int = 10) -> bool:
    """Dates a campaign record can carry: from 2000 to ten years ahead (typos like 0001 or 9999 are refused)."""
    return day is None or EARLIEST <= day <= date.today().replace(year=date.today().year + years_ahead)


class SaneDate:
    """WTForms validator for sane_date()."""

    def __call__(self, form: FlaskForm, field: Field) -> None:

        if not sane_date(field.data):
            raise ValidationError(_("The date is out of range."))


def host_allowed(url: str, allowed: str) -> bool:
    """Whether `url` is http(s) to one of the comma-separated host names in `allowed` ("*": any host)."""

    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    hosts = {h.strip().lower() for h in allowed.split(",") if h.strip()}
    return "*" in hosts or host in hosts


LIKE_ESCAPE = "\\"


def like_fragment(text: str) -> tuple[str, str | None]:
    """`text` for a LIKE pattern, taken literally: `%` and `_` typed in a search box are characters, not wildcards
    (`q=_` matched every name). Returns the escaped text and the ESCAPE character to give `.like()`, or the text as
    it is and None when it holds nothing to escape (SQLite's FTS5 trigram index serves LIKE only without ESCAPE)."""
    if not any(c in text for c in "%_\\"):
        return text, None
    escaped = (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return escaped, LIKE_ESCAPE
