"""Reading the cells of the bureau's 项目台账 and 到位资金 sheets as they are really typed: full-width digits and
brackets, "1.5亿", "15,000", "2026年11月", "高新区" for the high-tech zone, "东昌府" without 区 …

Each reader returns the value, or None for a blank cell, and raises ValueError with the reason in Chinese when the
cell cannot be read.
"""

import re
from datetime import date, timedelta

from flask_babel import gettext as _

# The cell readers shared with the screens' amount fields live in crm.money (a lower layer than imports).
from crm.formatting import short
from crm.money import MAX_WAN, amount, compact, plain  # noqa: E402, F401

# The readers shared with the screens' amount fields live in crm.money (below both features).
from crm.parsing import sane_date
from crm.refdata.aliases import ReferenceNames, UnknownReference
from crm.vocab import AGREEMENTS, PROVINCES

# --- dates and months ---

DAY = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
DAY_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月份?)?$")
MONTH_DIGITS = re.compile(r"^(\d{4})(\d{2})$")
EXCEL_EPOCH = date(1899, 12, 30)


def _excel_serial(text: str) -> date | None:
    """A date cell pasted as a number (Excel's day count): 46300 is 2026-10-04."""
    if re.fullmatch(r"\d{5}(\.0+)?", text) and 30000 <= int(float(text)) <= 60000:
        return EXCEL_EPOCH + timedelta(days=int(float(text)))
    return None


def day(raw: str | None) -> date | None:
    """2026-11-03, 2026/11/3, 2026.11.3, 2026年11月3日, 20261103, a datetime cell, or Excel's day number."""
    text = plain(raw).split(" ")[0].split("T")[0] if plain(raw) else ""
    if not text:
        return None
    parsed = None
    match = DAY.match(text) or DAY_DIGITS.match(text)
    if match:
        try:
            parsed = date(*(int(part) for part in match.groups()))
        except ValueError:
            parsed = None
    parsed = parsed or _excel_serial(text)
    if parsed is None:
        raise ValueError(
            _("%(value)s is not a date: write it as 2026-11-03 or 2026年11月3日.", value=short(raw))
        )
    if not sane_date(parsed):
        raise ValueError(_("The date is out of range."))
    return parsed


def month(raw: str | None) -> date | None:
    """The first day of the month in 2026-11, 2026年11月, 2026/11, 2026.11, 202611, or a date in that month."""
    text = compact(raw)
    if not text:
        return None
    match = MONTH.match(text) or MONTH_DIGITS.match(text)
    if match:
        year, number = (int(part) for part in match.groups())
        if 1 <= number <= 12:
            first = date(year, number, 1)
            if not sane_date(first):
                raise ValueError(_("The date is out of range."))
            return first
    try:
        found = day(raw)
    except ValueError:
        found = None
    if found is None:
        raise ValueError(_("%(value)s is not a month: write it as 2026-11 or 2026年11月.", value=short(raw)))
    return found.replace(day=1)


# --- words ---

YES = {"是", "y", "yes", "true", "1", "√", "✓", "省外"}
NO = {"否", "n", "no", "false", "0", "×", "✗", "省内", "无"}


def yes_no(raw: str | None) -> bool | None:
    text = compact(raw).lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(_("Write 是 or 否."))


def province(raw: str | None) -> str | None:
    """A province from its full name or its short one: 江苏 → 江苏省, 广西 → 广西壮族自治区; 国外/海外 → 境外."""
    text = compact(raw)
    if not text:
        return None
    if text in ("国外", "海外", "国(境)外"):
        return "境外"
    if text in PROVINCES:
        return text
    found = [p for p in PROVINCES if len(text) >= 2 and p.startswith(text)]
    if len(found) == 1:
        return found[0]
    raise ValueError(_("No province called %(name)s.", name=short(raw)))


AGREEMENT_WORDS = (
    ("补充", "supplement"),
    ("框架", "framework"),
    ("合同", "contract"),
    ("投资", "investment"),
)


def agreement(raw: str | None) -> str | None:
    """框架协议 / 投资协议 / 正式合同 / 补充协议, also as 框架, 合同, 投资协议书 …"""
    text = compact(raw)
    if not text:
        return None
    for code, label in AGREEMENTS.items():
        if text in (code, label):
            return code
    found = [code for word, code in AGREEMENT_WORDS if word in text]
    if found:
        return found[0]
    raise ValueError(_("The agreement type is 框架协议, 投资协议, 正式合同 or 补充协议."))


def project_key(name: str | None) -> str:
    """A project name for comparison: width, case, spaces, brackets and punctuation aside, without a trailing
    项目 ("年产10万吨（一期）项目" = "年产10万吨(一期)")."""
    text = re.sub(r"[\s()\[\]【】<>《》\"'“”‘’·.,，、:：;；_\-—–]+", "", plain(name).lower())
    return text.removesuffix("项目") or text


# --- counties, zones, categories and industries (crm.refdata.aliases) ---


def reference_names() -> ReferenceNames:
    """The reference names, codes and aliases, read once for a whole file."""
    return ReferenceNames()


def region(names: ReferenceNames, raw: str) -> int:
    """A county or zone as the bureau writes it: 东昌府区, 东昌府, 聊城市东昌府区, 茌平县 (its old name), 临清, 高新区,
    经开区, 聊城经济技术开发区（东区）…; ValueError naming the closest ones otherwise."""
    return names.region(raw)


def category(names: ReferenceNames, raw: str) -> int:
    """A category tag by name, code or alias (中国500强, 民营500强, 专精特新小巨人 …)."""
    return names.category(raw)


def industry(names: ReferenceNames, raw: str) -> int:
    """A sub-industry by name; a group node of the tree is refused with its sub-industries named."""
    return names.industry(raw)


class RegionNames:
    """Counties and zones for the ledger imports: `find` gives the id or None, `error` the message with the
    closest names."""

    def __init__(self, names: ReferenceNames | None = None) -> None:
        self.refs = names or ReferenceNames(("region",))
        self.names = self.refs.region_names

    def find(self, raw: str | None) -> int | None:
        return self.refs.find_region(raw)

    def error(self, raw: str) -> str:
        try:
            self.refs.region(raw)
        except UnknownReference as error:
            return str(error)
        return ""
