"""Text as the bureau types it, read as plain ASCII and as integer 万元: shared by the screens' amount fields
(crm.projects.forms) and the spreadsheet import (crm.imports.values), below both."""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _

from crm.formatting import short

MAX_WAN = 10**9  # 万元: far beyond any project, within the INTEGER columns


def plain(text: str | None) -> str:
    """Full-width digits, letters, brackets and spaces folded to their ASCII forms, then trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def compact(text: str | None) -> str:
    """`plain` without any white space (the bureau's sheets pad names with spaces, full-width ones too)."""
    return re.sub(r"\s+", "", plain(text))


# --- amounts (万元) ---

AMOUNT = re.compile(r"^([+-]?)(\d+(?:\.\d+)?)(亿元|亿|万元|万)?$")


def amount(raw: str | None, negative: bool = False) -> tuple[int, bool] | None:
    """Integer 万元 from "15000", "15,000", "１５０００", "1.5亿", "1.5亿元", "15000万元"; (value, rounded) where
    `rounded` says a fraction of a 万元 was rounded off. None for a blank cell."""
    text = compact(raw).replace(",", "").replace("¥", "").replace("￥", "")
    if not text:
        return None
    match = AMOUNT.match(text)
    if not match:
        raise ValueError(
            _("%(value)s is not an amount: write 万元 as a number (15000 or 1.5亿).", value=short(raw))
        )
    sign, digits, unit = match.groups()
    if len(digits.split(".")[0].lstrip("0")) > len(str(MAX_WAN)) or len(digits) > 64:
        # before Decimal and int(): a 5,000-digit cell is refused as what it is, never an overflow
        raise ValueError(_("%(value)s is too large for an amount in 万元.", value=short(raw)))
    try:
        number = Decimal(digits) * (10000 if unit and unit.startswith("亿") else 1)
    except InvalidOperation as error:  # pragma: no cover - the pattern only lets digits through
        raise ValueError(
            _("%(value)s is not an amount: write 万元 as a number (15000 or 1.5亿).", value=short(raw))
        ) from error
    value = int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if sign == "-":
        if not negative:
            raise ValueError(_("The amount cannot be negative."))
        value = -value
    if abs(value) > MAX_WAN:
        raise ValueError(_("%(value)s is too large for an amount in 万元.", value=short(raw)))
    return value, value != number * (-1 if sign == "-" else 1)
