"""The one duplicate check, shared by the enterprise form, the propose screen, the merge screen and the import.

Two descriptions of an enterprise are related when they carry the same credit code, share a group, or have names
that are the same once the legal form is left out, one inside the other ('格力电器' in '珠海格力电器'), the same
brand ('腾讯' heading '腾讯控股', '华为' heading '华为技术') or names close enough by edit distance. Two records that
each carry a valid credit code and the codes differ are different legal persons: a strong name match between them
is offered as parent and subsidiary of one group (中国石油化工集团 / 中国石油化工股份), never as the same
enterprise, and a merely similar name between them is no match at all.

`DuplicateIndex` holds the records compared against (enterprises on file, and in an import the rows of the file
too) in dictionaries, so a file of 20,000 rows is checked in seconds; edit-distance scores come from rapidfuzz,
for a whole file at once."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self

import numpy
from flask_babel import gettext as _
from rapidfuzz import fuzz, process
from sqlalchemy import select

from crm.enterprises.models import Enterprise
from crm.enterprises.names import InvalidCreditCode, normalise_name, normalise_uscc, uscc_key
from crm.extensions import db
from crm.settings import get_int

SAME, GROUP = "same", "group"
NAME_LIMIT = 8  # name-based matches kept per record, strongest first
MIN_CONTAINED = 4  # a name must have this many characters to count when found inside another
BRAND = (2, 3)  # a name this short is a brand: it matches the names it heads
CHUNK = 500  # query rows per rapidfuzz matrix

# Place names a company name often starts with ('珠海格力电器', '杭州宇树科技'): the brand follows them.
_PLACES = """
中国 北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南
湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港
澳门 石家庄 太原 沈阳 大连 长春 哈尔滨 南京 苏州 无锡 常州 杭州 宁波 温州 合肥 福州
厦门 南昌 济南 青岛 烟台 潍坊 淄博 聊城 郑州 武汉 长沙 广州 深圳 珠海 佛山 东莞 成都
贵阳 昆明 西安 兰州 西宁 银川 乌鲁木齐 呼和浩特 南宁 海口 拉萨
""".split()  # noqa: SIM905  (80 names)
_PLACE = re.compile("^(" + "|".join(sorted(_PLACES, key=len, reverse=True)) + ")(省|市|自治区)?")


def core(norm: str) -> str:
    """The normalised name without a leading place name: '珠海格力电器' → '格力电器' (kept when nothing follows)."""
    rest = _PLACE.sub("", norm, count=1)
    return rest if len(rest) >= BRAND[0] else norm


@dataclass(frozen=True)
class Record:
    """What is compared: an enterprise on file (key = its id) or a row of a file (key = -row number)."""

    key: int
    name: str
    norm: str
    uscc: str | None = None  # only a valid code
    parent_id: int | None = None

    @classmethod
    def of(
        cls, key: int, name: str, uscc: str | None, parent_id: int | None = None, norm: str | None = None
    ) -> Self:
        try:
            valid = normalise_uscc(uscc)
        except InvalidCreditCode:
            valid = None
        return cls(key, name, norm if norm is not None else normalise_name(name), valid, parent_id)


@dataclass
class Match:
    record: Record
    kind: str  # SAME: may be the same enterprise; GROUP: may be another member of its group
    reasons: list[str] = field(default_factory=list)
    score: int = 0  # the strength of the evidence, for the order (a same name or code is 100)
    similarity: int | None = None  # the names' rapidfuzz ratio (0-100) when the names are evidence, as shown

    @property
    def key(self) -> int:
        return self.record.key


def _name_evidence(a: Record, b: Record, ratio: int) -> tuple[str, int, bool] | None:
    """(reason, score, strong) when the names point to one enterprise; strong = not merely similar."""
    if not a.norm or not b.norm:
        return None
    if a.norm == b.norm:
        return _("same name apart from the legal form"), 100, True
    short, long = sorted((a.norm, b.norm), key=len)
    if len(short) >= MIN_CONTAINED and short in long:
        return _("one name contains the other"), 100, True
    if BRAND[0] <= len(short) <= BRAND[1] and (long.startswith(short) or core(long).startswith(short)):
        return _("same brand name"), 95, True
    if ratio:
        return _("similar name"), ratio, False
    return None


def similarity(a: Record, b: Record) -> int:
    """How alike the two normalised names are, 0-100 (rapidfuzz's ratio, as the similarity setting counts)."""
    return round(fuzz.ratio(a.norm, b.norm))


def relate(a: Record, b: Record, ratio: int = 0) -> Match | None:
    """How record `b` relates to record `a`, or None. `ratio` is their rapidfuzz ratio when at or above the
    similarity setting (0 otherwise). This is the rule every duplicate check in the application applies."""
    if a.key == b.key:
        return None
    if a.uscc and a.uscc == b.uscc:
        return Match(b, SAME, [_("same unified social credit code")], 100)
    match = None
    if a.parent_id and (b.key == a.parent_id or b.parent_id == a.parent_id):
        match = Match(b, GROUP, [_("same group")], 0)
    evidence = _name_evidence(a, b, ratio)
    if evidence is None:
        return match
    reason, score, strong = evidence
    distinct = bool(a.uscc and b.uscc)  # both valid and, as checked above, different: two legal persons
    if distinct and not strong:
        return match
    alike = similarity(a, b)
    said = [reason, _("name similarity %(score)d%%", score=alike)]
    if distinct:
        match = match or Match(b, GROUP, [], 0)
        match.reasons += [*said, _("possibly parent and subsidiary of one group")]
    else:
        match = Match(b, SAME, [*(match.reasons if match else []), *said], 0)
    match.score, match.similarity = max(match.score, score), alike
    return match


class DuplicateIndex:
    """Records to compare against, with the lookups that find the candidates of each rule."""

    def __init__(self, threshold: int | None = None) -> None:
        self.threshold = get_int("name_similarity") if threshold is None else threshold
        self.records: dict[int, Record] = {}
        # lookup → value (a code, a name or a part of one, a parent's id) → the keys of the records having it
        self._by: dict[str, dict[str | int, set[int]]] = {
            name: {} for name in ("uscc", "norm", "head", "short", "gram", "parent")
        }

    @classmethod
    def on_file(cls) -> "DuplicateIndex":
        index = cls()
        rows = db.session.execute(
            select(
                Enterprise.id, Enterprise.name, Enterprise.name_norm, Enterprise.uscc, Enterprise.parent_id
            )
        )
        for key, name, norm, uscc, parent_id in rows:
            # Stored codes were validated when saved; uscc_key brings a code the credit-code migration left as typed
            # (the younger of two records sharing it) to the form it shares, so the pair is found as the same.
            index.add(Record(key, name, norm or "", uscc_key(uscc) or None, parent_id))
        return index

    def _put(self, lookup: str, value: str | int, key: int) -> None:
        self._by[lookup].setdefault(value, set()).add(key)

    def add(self, record: Record) -> None:
        self.records[record.key] = record
        norm = record.norm
        if record.uscc:
            self._put("uscc", record.uscc, record.key)
        if record.parent_id:
            self._put("parent", record.parent_id, record.key)
        if not norm:
            return
        self._put("norm", norm, record.key)
        if BRAND[0] <= len(norm) <= BRAND[1]:
            self._put("short", norm, record.key)
        for text in {norm, core(norm)}:
            for n in range(BRAND[0], BRAND[1] + 1):
                if len(text) > n:
                    self._put("head", text[:n], record.key)
        if len(norm) >= MIN_CONTAINED:
            for i in range(len(norm) - MIN_CONTAINED + 1):
                self._put("gram", norm[i : i + MIN_CONTAINED], record.key)

    def _candidates(self, a: Record) -> set[int]:
        """Every record some rule might relate to `a` (a superset: `relate` decides)."""
        found: set[int]
        by, norm, found = self._by, a.norm, set()
        found |= by["uscc"].get(a.uscc, set()) if a.uscc else set()
        if a.parent_id:
            found |= by["parent"].get(a.parent_id, set()) | ({a.parent_id} & self.records.keys())
        if not norm:
            return found
        found |= by["norm"].get(norm, set())
        if BRAND[0] <= len(norm) <= BRAND[1]:
            found |= by["head"].get(norm, set())
        for text in {norm, core(norm)}:
            for n in range(BRAND[0], BRAND[1] + 1):
                found |= by["short"].get(text[:n], set())
        if len(norm) >= MIN_CONTAINED:
            grams = [norm[i : i + MIN_CONTAINED] for i in range(len(norm) - MIN_CONTAINED + 1)]
            # A name holding `norm` holds each of its grams: the rarest gram gives the fewest names to test.
            holders = min((by["gram"].get(g, set()) for g in grams), key=len)
            found |= {k for k in holders if norm in self.records[k].norm}
            for i in range(len(norm)):  # names inside `norm`: each of its substrings, looked up whole
                for j in range(i + MIN_CONTAINED, len(norm) + 1):
                    found |= by["norm"].get(norm[i:j], set())
        return found

    def ratios(self, records: list[Record]) -> list[dict[int, int]]:
        """For each record, the records of the index whose names score at or above the setting. Two records with
        valid credit codes are not compared (their codes tell them apart, see `relate`), which saves most of the
        work in a file of coded rows."""
        out: list[dict[int, int]] = [{} for _ in records]
        named = [k for k, r in self.records.items() if r.norm]
        uncoded = [k for k in named if not self.records[k].uscc]
        for coded, keys in ((True, uncoded), (False, named)):
            queries = [i for i, r in enumerate(records) if r.norm and bool(r.uscc) == coded]
            if not keys or not queries:
                continue
            choices = [self.records[k].norm for k in keys]
            for start in range(0, len(queries), CHUNK):
                chunk = queries[start : start + CHUNK]
                scores = process.cdist([records[i].norm for i in chunk], choices, scorer=fuzz.ratio,
                                       score_cutoff=self.threshold, dtype=numpy.uint8, workers=-1)  # fmt: skip
                for i, j in zip(*numpy.nonzero(scores), strict=True):
                    out[chunk[i]][keys[j]] = int(scores[i, j])
        return out

    def find(
        self, a: Record, ratios: dict[int, int], among: Callable[..., bool] | None = None
    ) -> list[Match]:
        """The records related to `a`, strongest first; `among(key)` limits the records considered."""
        keys = self._candidates(a) | ratios.keys()
        matches = []
        for key in keys:
            if among is None or among(key):
                match = relate(a, self.records[key], ratios.get(key, 0))
                if match is not None:
                    matches.append(match)
        matches.sort(key=lambda m: (m.kind != SAME, -m.score, m.record.name))
        coded = [m for m in matches if a.uscc and m.record.uscc == a.uscc]
        return [*coded, *[m for m in matches if m not in coded][:NAME_LIMIT]]


def find_matches(
    name: str, uscc: str | None, parent_id: int | None = None, exclude_id: int | None = None
) -> list[Match]:
    """The enterprises on file related to the one described (what the forms warn about)."""
    index = DuplicateIndex.on_file()
    record = Record.of(0, name, uscc, parent_id)
    found = index.find(record, index.ratios([record])[0])
    return [m for m in found if m.key != exclude_id]
