"""Counties, zones, categories and industries from the way people write them.

One resolver for the importer, the API and the search. A text is tried, in order:
1. as a name or code exactly as stored;
2. in the normal form `key` (NFKC, so full-width letters, digits and brackets count as ASCII; no spaces of any kind,
   zero-width characters or quotes; case-folded) against the names and codes;
3. against the administrator's aliases (table `ref_aliases`, same normal form);
4. regions only: without the city prefix (聊城市东昌府区), a remark in brackets (（东区）) or the 区/县/市 suffix
   (临清市 → 临清, 茌平县 → 茌平); categories only: without a trailing 企业 (独角兽企业 → 独角兽).
An unknown text raises UnknownReference, whose message names the closest valid values (rapidfuzz over the names
and aliases). Industries have no aliases; a group node of the tree is refused with its sub-industries named.
"""

import re
import unicodedata
from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _
from rapidfuzz import fuzz, process
from sqlalchemy import func, literal, select, union_all

from crm.extensions import db
from crm.kept import Kept
from crm.refdata.models import Alias, CategoryTag, Industry, Region

INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff\u00ad]+")
QUOTES = re.compile(r"[\"'“”‘’「」『』〝〞]+")
REMARK = re.compile(r"\(.*?\)")
CITY_PREFIXES = ("山东省聊城市", "山东聊城市", "山东省聊城", "山东聊城", "聊城市", "聊城")
CLOSEST = 5  # how many alternatives an error names
KINDS = ("region", "category")


def key(text: str | None) -> str:
    """The normal form names and aliases are compared in."""
    text = unicodedata.normalize("NFKC", text or "")
    return QUOTES.sub("", INVISIBLE.sub("", text)).casefold()


def _stem(text: str) -> str:
    return text[:-1] if len(text) > 2 and text[-1] in "区县市" else text


class UnknownReference(ValueError):
    """A value no name, code or alias matches; `closest` holds the nearest valid names."""

    def __init__(self, message: str, value: str, closest: list[str]) -> None:
        super().__init__(message)
        self.value, self.closest = value, closest


class ReferenceNames:
    """The names, codes and aliases of the active reference rows, read once (an import reads them once for the
    whole file)."""

    def __init__(self, kinds: Iterable[str] = ("region", "category", "industry")) -> None:
        kinds = set(kinds)
        self.region_names: dict[int, str] = {}
        self.tag_names: dict[int, str] = {}
        self.exact: dict[str, dict[str, int]] = {"region": {}, "category": {}, "industry": {}}
        self.keyed: dict[str, dict[str, int]] = {"region": {}, "category": {}, "industry": {}}
        self.aliases: dict[str, dict[str, int]] = {"region": {}, "category": {}}
        self.stems: dict[str, int] = {}
        if "region" in kinds:
            self._load_regions()
        if "category" in kinds:
            self._load_tags()
        if kinds & {"region", "category"}:
            self._load_aliases(kinds & {"region", "category"})
        if "industry" in kinds:
            self._load_industries()

    def _add(self, kind: str, region_id: int, *texts: str) -> None:
        for text in texts:
            self.exact[kind].setdefault(text, region_id)
            self.keyed[kind].setdefault(key(text), region_id)

    def _load_regions(self) -> None:
        query = select(Region.id, Region.code, Region.name, Region.kind).where(Region.active.is_(True))
        for region_id, code, name, kind in db.session.execute(query.order_by(Region.sort, Region.id)):
            self.region_names[region_id] = name
            self._add("region", region_id, name, code)
            if kind == "county":
                self.stems.setdefault(_stem(key(name)), region_id)

    def _load_tags(self) -> None:
        query = select(CategoryTag.id, CategoryTag.code, CategoryTag.name).where(CategoryTag.active.is_(True))
        for tag_id, code, name in db.session.execute(query.order_by(CategoryTag.sort, CategoryTag.id)):
            self.tag_names[tag_id] = name
            self._add("category", tag_id, name, code)

    def _load_aliases(self, kinds: set[str]) -> None:
        query = select(Alias.kind, Alias.key, Alias.region_id, Alias.tag_id).where(Alias.kind.in_(kinds))
        for kind, alias_key, region_id, tag_id in db.session.execute(query):
            target = region_id if kind == "region" else tag_id
            if target in (self.region_names if kind == "region" else self.tag_names):  # active targets only
                self.aliases[kind][alias_key] = target

    def _load_industries(self) -> None:
        rows = db.session.execute(
            select(Industry.id, Industry.name, Industry.parent_id)
            .where(Industry.active.is_(True))
            .order_by(Industry.sort, Industry.id)
        ).all()
        self.industry_names = {i: name for i, name, _p in rows}
        self.industry_children: dict[int, list[str]] = {}
        for _i, name, parent_id in rows:
            if parent_id in self.industry_names:
                self.industry_children.setdefault(parent_id, []).append(name)
        for industry_id, name, _p in rows:
            self._add("industry", industry_id, name)

    # --- lookups ---

    def _find(self, kind: str, text: str) -> int | None:
        if text in self.exact[kind]:
            return self.exact[kind][text]
        wanted = key(text)
        found = self.keyed[kind].get(wanted)
        if found is None and kind in self.aliases:
            found = self.aliases[kind].get(wanted)
        return found

    def _lookup_key(self, kind: str, wanted: str) -> int | None:
        found = self.keyed[kind].get(wanted)
        return found if found is not None else self.aliases[kind].get(wanted)

    def find_region(self, text: str | None) -> int | None:
        """The county's or zone's id, or None."""
        if not (text or "").strip():
            return None
        assert text is not None
        found = self._find("region", text.strip())
        if found is not None:
            return found
        wanted = key(text)
        bare = next((wanted.removeprefix(p) for p in CITY_PREFIXES if wanted.startswith(p)), wanted)
        for candidate in dict.fromkeys((bare, REMARK.sub("", bare), REMARK.sub("", wanted))):
            for form in (candidate, _stem(candidate)):
                found = self._lookup_key("region", form)
                if found is None:
                    found = self.stems.get(form)
                if found is not None:
                    return found
        return None

    def find_category(self, text: str | None) -> int | None:
        """The category tag's id, or None."""
        if not (text or "").strip():
            return None
        assert text is not None
        found = self._find("category", text.strip())
        if found is None and key(text).endswith("企业"):
            found = self._lookup_key("category", key(text).removesuffix("企业"))
        return found

    def region(self, text: str) -> int:
        found = self.find_region(text)
        if found is None:
            closest = self._closest("region", text, self.region_names)
            raise UnknownReference(
                _("Unknown county or zone “%(value)s”; the closest are: %(closest)s.", value=text.strip(),
                  closest="、".join(closest)),
                text, closest,
            )  # fmt: skip
        return found

    def category(self, text: str) -> int:
        found = self.find_category(text)
        if found is None:
            closest = self._closest("category", text, self.tag_names)
            raise UnknownReference(
                _("Unknown category “%(value)s”; the closest are: %(closest)s.", value=text.strip(),
                  closest="、".join(closest)),
                text, closest,
            )  # fmt: skip
        return found

    def industry(self, text: str) -> int:
        """A node of the industry tree that records may carry: a leaf, never a group node."""
        found = self._find("industry", text.strip())
        if found is None:
            closest = self._closest("industry", text, self.industry_names)
            raise UnknownReference(
                _("No industry called “%(value)s” in the industry tree; the closest are: %(closest)s.",
                  value=text.strip(), closest="、".join(closest)),
                text, closest,
            )  # fmt: skip
        if found in self.industry_children:
            children = self.industry_children[found]
            raise UnknownReference(
                _("%(name)s is a group of industries; choose one of its sub-industries: %(children)s.",
                  name=self.industry_names[found], children="、".join(children)),
                text, children,
            )  # fmt: skip
        return found

    def _closest(self, kind: str, text: str, names: dict[int, str]) -> list[str]:
        """The valid names nearest to `text`, by the best score of any of their spellings."""
        spellings = {**self.keyed[kind], **self.aliases.get(kind, {})}
        if not spellings:
            return []
        matches = process.extract(key(text), list(spellings), scorer=fuzz.WRatio, limit=len(spellings))
        out: list[str] = []
        for spelling, _score, _index in matches:
            name = names.get(spellings[spelling])
            if name and name not in out:
                out.append(name)
            if len(out) == CLOSEST:
                break
        return out


def resolve_region(text: str) -> Region:
    """The active county or zone `text` names (name, code, spelling or alias); UnknownReference otherwise."""
    region = db.session.get(Region, ReferenceNames(("region",)).region(text))
    assert region is not None  # region() returned the id of an existing row
    return region


def resolve_category(text: str) -> CategoryTag:
    """The active category tag `text` names (name, code, spelling or alias); UnknownReference otherwise."""
    tag = db.session.get(CategoryTag, ReferenceNames(("category",)).category(text))
    assert tag is not None  # category() returned the id of an existing row
    return tag


def search_terms(text: str) -> tuple[int | None, int | None]:
    """(region id, tag id) a search text names exactly (no guessing): 经开区 finds the zone's targets. The names
    are read in one query and kept per process for REFDATA_CACHE_SECONDS, forgotten at once when this process
    writes a county, a category or an alias (every search of the list read them: a statement per search)."""
    if not text.strip() or text.strip().isdigit():  # digits are the start of a credit code, not a region code
        return None, None
    names = _kept.get(
        "search", current_app.config.get("REFDATA_CACHE_SECONDS", 0), _search_names, keep=lambda _names: True
    )
    return names.find_region(text), names.find_category(text)


_kept = Kept("search_names", touches=lambda classes: any(c in (Region, CategoryTag, Alias) for c in classes))


def _search_names() -> ReferenceNames:
    """The active counties' and categories' names and codes, and their aliases, in one query (the list page's
    query count is held constant by tests/test_query_counts.py)."""
    names = ReferenceNames(())
    regions = select(literal("region"), Region.name, Region.code, Region.id, Region.kind).where(
        Region.active.is_(True)
    )
    tags = select(literal("category"), CategoryTag.name, CategoryTag.code, CategoryTag.id, literal("")).where(
        CategoryTag.active.is_(True)
    )
    spellings = select(
        Alias.kind, Alias.key, literal(""), func.coalesce(Alias.region_id, Alias.tag_id), literal("alias")
    )
    rows = db.session.execute(union_all(regions, tags, spellings)).all()
    for kind, name, code, target, extra in rows:
        if extra == "alias":
            continue
        (names.region_names if kind == "region" else names.tag_names)[target] = name
        names._add(kind, target, name, code)
        if extra == "county":
            names.stems.setdefault(_stem(key(name)), target)
    for kind, alias_key, _code, target, extra in rows:
        if extra == "alias" and target in (names.region_names if kind == "region" else names.tag_names):
            names.aliases[kind][alias_key] = target
    return names
