"""Name keys for search and duplicate detection: the one folded form of a name (`fold`) that search and the
duplicate check share, normalised names, pinyin initials, and the one normal form of credit codes."""

import re
import unicodedata

from flask_babel import gettext as _
from opencc import OpenCC
from pypinyin import Style, lazy_pinyin
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as stdnum_uscc

from crm.errors_domain import DomainError

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

# Traditional → Simplified, character by character and by the phrases OpenCC lists (no regional vocabulary:
# 軟體 becomes 软体, not 软件), so 雲啟 and 云启 are one name.
_TO_SIMPLIFIED = OpenCC("t2s")
# Brackets clerks use for a name's (地区) part, after NFKC has made （） and ［］ ASCII: all become ( and ).
_BRACKETS = str.maketrans("[{【〔〖〘〚⦅]}】〕〗〙〛⦆", "((((((((" + "))))))))")
# Whitespace is kept only between two Latin letters or digits ('abc co'); elsewhere ('中寰 重工', '重工 (山东)') it
# is a typing accident.
_SPACE = re.compile(r"\s+")
_LOOSE_SPACE = re.compile(r"(?<![0-9a-z]) | (?![0-9a-z])")
KEY_LENGTH = 255  # Enterprise.name_key: NFKC can lengthen a name of 128 characters


def fold(text: str | None) -> str:
    """The one normal form of a name that search and the duplicate check compare: NFKC (full-width letters, digits
    and brackets become ASCII), Traditional characters Simplified, every kind of bracket ( ), whitespace collapsed
    (and dropped next to anything but a Latin letter or digit), Latin case folded.
    '中寰重工（山東） ＡＢＣ  Co' → '中寰重工(山东)abc co'."""
    text = _TO_SIMPLIFIED.convert(unicodedata.normalize("NFKC", text or ""))
    text = _SPACE.sub(" ", text.translate(_BRACKETS)).strip().casefold()
    return _LOOSE_SPACE.sub("", text)


def name_key(name: str) -> str:
    """What Enterprise.name_key stores and the search box's text is matched against (see `fold`)."""
    return fold(name)[:KEY_LENGTH]


def normalise_name(name: str) -> str:
    """Strip legal forms, (中国), punctuation and case from the folded name: 'ABC（中国）投资有限公司' → 'abc投资'."""
    text = fold(name)
    text = _PAREN_CHINA.sub(" ", text)
    for form in _LEGAL_FORMS_ZH:
        text = text.replace(form, "")
    text = _LEGAL_FORMS_EN.sub(" ", text)
    return _NOT_WORD.sub("", text).lower()


def pinyin_initials(name: str) -> str:
    """'华夏钢铁有限公司' → 'hxgtyxgs'; Latin letters and digits are kept as they are."""
    parts = lazy_pinyin(unicodedata.normalize("NFKC", name or ""), style=Style.FIRST_LETTER, errors="default")
    return _NOT_WORD.sub("", "".join(parts)).lower()[:64]


class InvalidCreditCode(DomainError, ValueError):
    """A 统一社会信用代码 that is not valid once cleaned; str() says why in Chinese. A DomainError for services and
    views, a ValueError for the import's cell readers."""


# What clerks' codes carry besides the code: spaces of every kind (U+3000, NBSP … : str.isspace), hyphens and dashes
# of every kind (Unicode category Pd: - ‐ ‑ ‒ – — ― － …, plus the minus signs), and invisible format characters
# (category Cf: zero-width space/joiners U+200B–U+200D, word joiner U+2060, BOM U+FEFF, soft hyphen U+00AD).
_MINUS_SIGNS = frozenset("\u2212\u2796\u02d7\u2043")


def _separator(char: str) -> bool:
    return char.isspace() or char in _MINUS_SIGNS or unicodedata.category(char) in ("Pd", "Cf", "Zs")


def uscc_key(value: str | None) -> str:
    """The cleaning half of `normalise_uscc`, without validation: NFKC (full-width ９１…ＭＡ… becomes 91…MA…),
    separators and invisible characters removed, upper case. Search uses it as is on a partial code."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(char for char in text if not _separator(char)).upper()


def normalise_uscc(value: str | None) -> str | None:
    """The one normal form of a 统一社会信用代码, used wherever a code enters the system: None for a blank (or only
    separators), else exactly the 18 ASCII characters that are stored. Raises InvalidCreditCode saying why.
    stdnum forgives hyphens and full-width digits while it checks, so the code is cleaned first and the cleaned
    form is both the one validated and the one kept."""
    code = uscc_key(value)
    if not code:
        return None
    error = _uscc_error(code)
    if error:
        raise InvalidCreditCode(error)
    return code


def _uscc_error(value: str) -> str | None:
    """A Chinese message saying why the cleaned `value` is not a valid 统一社会信用代码, or None if it is valid."""
    if len(value) != 18:
        return _("A unified social credit code has 18 characters; this one has %(n)d.", n=len(value))
    if not value.isascii() or not value.isalnum():
        return _(
            "The code contains characters that are not allowed "
            "(only digits and capital letters except I, O, Z, S, V)."
        )
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
