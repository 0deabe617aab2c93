"""How values are written for people: local times, amounts in 万元, text with line breaks. Used by the templates
(crm.templating registers them as filters) and by services that write values into messages and history."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from markupsafe import Markup, escape


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime(fmt)


def wan(value: int | None) -> str:
    """Format an amount in 万元; amounts of 1 亿 or more also show 亿元."""
    if value is None:
        return "—"
    if value >= 10000:
        return f"{value:,} 万元（{value / 10000:.2f} 亿元）"
    return f"{value:,} 万元"


def nl2br(value: str | None) -> Markup:
    if not value:
        return Markup("")
    return Markup("<br>").join(escape(line) for line in value.splitlines())


def short(text: str | None, room: int = 40) -> str:
    """At most `room` characters of what someone typed, for an error message: a 10,000-character value is never
    echoed back whole."""
    text = text or ""
    return text if len(text) <= room else text[: room - 1] + "…"
