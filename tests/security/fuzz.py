"""What the property-based sweep (test_fuzz_sweep.py) throws at the app, and where: the names of every query
parameter the code reads, the fields of every form the pages show (found by parsing the pages, so a new form is
swept without being listed here), the JSON bodies of the API, and the hostile strings themselves.

Values go over the wire as bytes (`encode`): a lone surrogate is sent as a browser or a scanner would send it,
percent-encoded (%ED%A0%80), which the test client's own str encoding would refuse."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

import crm
from crm.api.operations import OPERATIONS
from crm.imports.columns import KIND_COLUMNS
from crm.projects.forms import FilterForm as ProjectFilterForm
from crm.whitelist.forms import FilterForm as EntryFilterForm

HOSTILE = [
    "9" * 5000, "1" * 4301, "0" * 4400 + "7", "-" + "9" * 40, "9" * 19, "9223372036854775808", "2147483648",
    "99999999999", "-1", "0", "1e999999", "-1e999999", "1E+4301", "9" * 400 + ".5", "NaN", "-Infinity", "0x1F",
    "１２３", "١٢٣", "²", "%", "_", "%_%", "\\", "'", "2'", '"', "a\x00b", "\ud800", "x\udfffy", "\r\nX-INJECT:1",
    "名\u202e称", "\u2028", "x" * 10_000, "", " ", "2026-02-30", "0001-01-01", "9999-12-31", "2026-13", "../..",
]  # fmt: skip
JSON_HOSTILE = ["9" * 5000, "-" + "9" * 400, "1e999999", "-1e400", "1.5e308", "0.1", "true", "null", "[]", "{}",
                '[1, "2"]', '{"a": 1}', "-0", "2147483648", "9223372036854775808"]  # fmt: skip

# A string a person, a scanner or a broken client might send: hostile values above all, and arbitrary text
# (lone surrogates included), numbers of any size and dates of any shape.
TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=()), max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.from_regex(r"\A-?[0-9]{0,30}(\.[0-9]{0,8})?([eE][+-]?[0-9]{1,7})?\Z"),
    st.from_regex(r"\A[0-9]{2,5}-[0-9]{1,3}(-[0-9]{1,3})?\Z"),
)
JSON_VALUE = st.one_of(st.sampled_from(JSON_HOSTILE), TEXT.map(lambda s: json.dumps(s, ensure_ascii=True)))

SOURCE = Path(crm.__file__).parent
READ = re.compile(r"""(?:args|values|form)\.(?:get|getlist)\(\s*f?["']([\w{}.]+)["']|pick\(["'](\w+)["']""")


def query_names() -> set[str]:
    """Every query parameter the code reads: request.args/values (and drill-down `pick`s) in the source, the list
    filters' forms, the API's query schemas, and the import preview's column mapping (map_<column>)."""
    names = {a or b for path in SOURCE.rglob("*.py") for a, b in READ.findall(path.read_text())}
    names = {n for n in names if "{" not in n}
    forms = (EntryFilterForm, ProjectFilterForm)
    names |= {n for form in forms for n in dir(form) if isinstance(getattr(form, n, None), UnboundField)}
    for op in OPERATIONS:
        if op.query is not None:
            names |= {f.data_key or n for n, f in op.query._declared_fields.items()}
    names |= {f"map_{c.key}" for columns in KIND_COLUMNS.values() for c in columns}
    return names - {"csrf_token"}


def api_bodies() -> dict[str, list[str]]:
    """endpoint → the JSON body's field names, for the API's writes."""
    return {
        f"api.{op.endpoint}": [f.data_key or n for n, f in op.body._declared_fields.items()]
        for op in OPERATIONS
        if op.body is not None
    }


class _Forms(HTMLParser):
    """The forms of a page: (action path, method, {field name: its value as rendered})."""

    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path, self.forms, self.current, self.textarea, self.select = page_path, [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = urlsplit(a.get("action") or self.page_path).path or self.page_path
            self.current = (action, (a.get("method") or "get").upper(), {})
            self.forms.append(self.current)
        elif self.current is None or not a.get("name") or a["name"] == "csrf_token":
            return
        elif tag == "input" and a.get("type") != "file":
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self.current[2].setdefault(a["name"], None)
            else:
                self.current[2][a["name"]] = a.get("value") or ""
        elif tag in ("button",) and a.get("value"):
            self.current[2].setdefault(a["name"], a["value"])
        elif tag == "textarea":
            self.textarea = a["name"]
            self.current[2][a["name"]] = ""
        elif tag == "select":
            self.select = a["name"]
            self.current[2].setdefault(a["name"], None)
        if tag == "option" and self.select and ("selected" in a or self.current[2].get(self.select) is None):
            self.current[2][self.select] = a.get("value", "")

    def handle_data(self, data):
        if self.textarea and self.current is not None:
            self.current[2][self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None


def page_forms(page_path: str, html: str) -> list[tuple[str, str, dict]]:
    parser = _Forms(page_path)
    parser.feed(html)
    return parser.forms


def encode(pairs: list[tuple[str, str]]) -> str:
    """application/x-www-form-urlencoded, with lone surrogates as their UTF-8-style bytes (as sent over the wire)."""
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass")


def json_text(pairs: list[tuple[str, str]]) -> str:
    """A JSON object from raw JSON fragments (a 5,000-digit number cannot be built by json.dumps in Python 3.11)."""
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in pairs) + "}"
