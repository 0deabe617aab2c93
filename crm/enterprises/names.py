"""Name keys for search and duplicate detection: normalised names, pinyin initials, USCC checks."""

import re
import unicodedata

from flask_babel import gettext as _
from pypinyin import Style, lazy_pinyin
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as stdnum_uscc

# Legal-form words that do not tell two enterprises apart; longest first so 股份有限公司 goes before 有限公司.
_LEGAL_FORMS_ZH = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "控股集团",
    "集团",
    "股份",
    "公司",
)
_LEGAL_FORMS_EN = re.compile(
    r"\b(co\.?|company|corp\.?|corporation|ltd\.?|limited|inc\.?|group|holdings?|plc|gmbh|ag|llc)\b",
    re.IGNORECASE,
)
_PAREN_CHINA = re.compile(r"[（(]\s*(中国|china)\s*[)）]", re.IGNORECASE)
_NOT_WORD = re.compile(r"[\W_]+")


def normalise_name(name: str) -> str:
    """Strip legal forms, (中国), punctuation and case: 'ABC（中国）投资有限公司' → 'abc投资'."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    text = _PAREN_CHINA.sub("", text)
    for form in _LEGAL_FORMS_ZH:
        text = text.replace(form, "")
    text = _LEGAL_FORMS_EN.sub(" ", text)
    return _NOT_WORD.sub("", text).lower()


def pinyin_initials(name: str) -> str:
    """'华夏钢铁有限公司' → 'hxgtyxgs'; Latin letters and digits are kept as they are."""
    parts = lazy_pinyin(unicodedata.normalize("NFKC", name or ""), style=Style.FIRST_LETTER, errors="default")
    return _NOT_WORD.sub("", "".join(parts)).lower()[:64]


def clean_uscc(value: str | None) -> str | None:
    """The code as stored: NFKC (a clerk's full-width ９１… becomes 91…), no spaces, upper case. stdnum accepts
    full-width digits while it validates, so the form we check must be the form we keep."""
    if not value:
        return None
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).upper() or None


def uscc_error(value: str) -> str | None:
    """A Chinese message saying why `value` is not a valid 统一社会信用代码, or None if it is valid."""
    try:
        stdnum_uscc.validate(value)
    except stdnum_errors.InvalidLength:
        return _("A unified social credit code has 18 characters; this one has %(n)d.", n=len(value))
    except stdnum_errors.InvalidChecksum:
        return _("The check character (the 18th) is wrong; please check the code for typos.")
    except (stdnum_errors.InvalidFormat, stdnum_errors.InvalidComponent):
        return _(
            "The code contains characters that are not allowed "
            "(only digits and capital letters except I, O, Z, S, V)."
        )
    except stdnum_errors.ValidationError:
        return _("This is not a valid unified social credit code.")
    return None
