"""Hostile text for the stored-XSS probes, and the checks that a page or a spreadsheet shows it only as text.

Every user-editable text field gets a payload of its own, numbered, so a finding names the field:

    =1+"><svg onload=alert(N)><script>alert(N)</script>{{7*7}}

- the quote and angle brackets try to leave an attribute and open elements with an event handler and a script;
- `{{7*7}}` would read 49 if the text were ever rendered as a template;
- the leading `=` makes a spreadsheet treat the cell as a formula (a HYPERLINK formula where the field has room);
- URL fields (website, webhook) get `https://evil.example/"><svg onload=alert(N)>` (they must start with http),
  and a `javascript:` URL is tried and must be refused; a 32-character field gets the svg part only, and a file
  name an <img onerror> instead of the script (no double quote or slash in a file name).
"""

import json
from dataclasses import dataclass
from html.parser import HTMLParser
from io import BytesIO

from markupsafe import escape
from openpyxl import load_workbook


@dataclass(frozen=True)
class Field:
    key: str  # table.column (or what it is)
    room: int  # the form's length limit
    how: str  # the path the hostile world sets it through
    pages: str  # endpoints whose page must show it (escaped): proof the probe reached the page
    kind: str = "text"  # text | url

    @property
    def number(self) -> int:
        return 10 + FIELDS.index(self)

    @property
    def payload(self) -> str:
        n = self.number
        if self.kind == "url":
            return f'https://evil.example/"><svg onload=alert({n})>'
        if self.kind == "short":  # a 32-character field
            return f'"><svg onload=alert({n})>'
        if (
            self.kind == "filename"
        ):  # no double quote (a multipart header cannot carry one), no slash (a path)
            return f"<svg onload=alert({n})><img src=x onerror=alert({n})>{{{{7*7}}}}"
        script = f"<script>alert({n})</script>{{{{7*7}}}}"
        html = f'"><svg onload=alert({n})>{script}'
        formula = '=HYPERLINK("http://evil.example","x")' if self.room >= len(html) + 40 else "=1+"
        return formula + html

    @property
    def shown(self) -> str:
        """What a page must contain where the field is shown as text: the escaped markup, with the template
        expression intact (not 49)."""
        if self.kind in ("url", "short"):
            return str(escape(f'"><svg onload=alert({self.number})>'))
        if self.kind == "filename":
            return str(escape(f"<img src=x onerror=alert({self.number})>{{{{7*7}}}}"))
        return str(escape(f"<script>alert({self.number})</script>{{{{7*7}}}}"))


F = Field
# Where each field must show up (escaped; as text in the .xlsx exports), for the roles that may see it. The page
# sweep visits every GET page of the URL map for every role; these are the pages where the field was found.
ENTERPRISE_PAGES = "enterprises.detail enterprises.edit"
PLAN_PAGES = "plans.log_contact plans.my_tasks plans.team_board whitelist.detail"
EVERYWHERE = (
    "admin.listing admin.edit main.index whitelist.index whitelist.detail whitelist.export enterprises.index "
    "teams.index teams.detail dashboard.index dashboard.ranking inbox.index imports.batches"
)
DASHBOARD = "dashboard.index dashboard.printable dashboard.export"
FIELDS = [
    F("enterprises.name", 128, "propose form",
      f"{ENTERPRISE_PAGES} enterprises.index enterprises.merge imports.preview inbox.index plans.edit_task "
      f"{PLAN_PAGES} reminders.escalations teams.detail whitelist.conflict_queue whitelist.edit whitelist.export "
      "whitelist.index whitelist.reassign whitelist.review"),
    F("enterprises.name_en", 200, "propose form; import file cell", ENTERPRISE_PAGES),
    F("enterprises.hq", 128, "propose form", ENTERPRISE_PAGES),
    F("enterprises.notes", 4000, "propose form; import file cell", ENTERPRISE_PAGES),
    F("enterprises.website", 200, "propose form (javascript: refused there and in imports)", ENTERPRISE_PAGES,
      "url"),
    F("whitelist_entries.summary", 4000, "propose form", "whitelist.detail whitelist.edit"),
    F("events.reason (approval)", 2000, "approve form", "enterprises.detail whitelist.detail"),
    F("events.reason (return)", 2000, "return form", "whitelist.detail"),
    F("assignments.reason", 2000, "reassign form", "inbox.index whitelist.detail"),
    F("enterprise_merges.reason", 2000, "merge form", "enterprises.detail whitelist.detail"),
    F("contact_logs.summary", 4000, "log form", "enterprises.detail whitelist.detail"),
    F("contact_logs.outcome", 2000, "log form", "whitelist.detail"),
    F("contact_logs.next_step", 200, "log form (becomes a follow-up task)", PLAN_PAGES),
    F("contact_logs.attachment_name", 200, "log form upload", "whitelist.detail", "filename"),
    F("contact_logs.summary (API)", 4000, "POST /api/v1/entries/<id>/logs", "enterprises.detail whitelist.detail"),
    F("contacts.name (log form)", 64, "log form, someone new", "enterprises.detail plans.log_contact whitelist.detail"),
    F("contacts.name", 64, "contact form", "enterprises.detail plans.log_contact whitelist.detail"),
    F("contacts.title", 64, "contact form", "enterprises.detail plans.log_contact"),
    F("contacts.notes", 2000, "contact form", "enterprises.detail"),
    F("tasks.title (added step)", 200, "add-step form", f"enterprises.detail {PLAN_PAGES}"),
    F("template_steps.name", 64, "plan template form (becomes a step)", f"plans.template {PLAN_PAGES}"),
    F("fund_arrivals.note", 200, "funds form", "whitelist.detail"),
    F("projects.name", 200, "add-project form",
      "projects.index projects.detail projects.export projects.return_detail whitelist.detail"),
    F("projects.terminated_reason", 1000, "terminate form", "projects.detail"),
    F("fund_arrivals.note (return line)", 200, "return line form", "projects.return_detail"),
    F("fund_returns.return_reason", 1000, "send-back form", "projects.return_detail"),
    F("escalations.note", 2000, "acknowledge form", "enterprises.detail reminders.escalations whitelist.detail"),
    F("teams.name", 64, "team form",
      f"{DASHBOARD} dashboard.ranking enterprises.detail inbox.index plans.log_contact plans.team_board "
      "teams.detail teams.edit teams.index whitelist.detail whitelist.export whitelist.index whitelist.reassign"),
    F("teams.senior_leader", 64, "team form", "teams.detail teams.edit teams.index"),
    F("teams.webhook_url", 300, "team form (javascript: refused)", "teams.edit", "url"),
    F("users.full_name", 64, "admin user form", f"{EVERYWHERE} auth.tokens_page plans.my_tasks reminders.outbox_page"),
    F("users.phone", 32, "admin user form", "admin.edit", "short"),
    F("regions.name", 64, "admin region form", f"{EVERYWHERE} {DASHBOARD} whitelist.propose"),
    F("industries.name", 64, "admin industry form",
      f"admin.edit admin.listing {DASHBOARD} {ENTERPRISE_PAGES} teams.detail whitelist.detail whitelist.export"),
    F("category_tags.name", 64, "admin tag form",
      f"admin.edit admin.listing dashboard.index dashboard.export {ENTERPRISE_PAGES} whitelist.detail "
      "whitelist.export whitelist.propose"),
    F("holidays.name", 64, "holiday form", "plans.holidays"),
    F("api_tokens.name", 64, "token form", "auth.tokens_page"),
    F("import_batches.filename", 200, "import upload", "imports.batch imports.batches imports.preview imports.upload",
      "filename"),
    F("enterprises.name (imported)", 128, "import file cell, then merged", "enterprises.detail imports.preview"),
    F("notifications.title", 200, "the outbox (written by the scheduler)", "reminders.outbox_page"),
    F("chains.name", 64, "chain form", "chains.index chains.detail chains.node chains.edit chains.edit_node "
      "dashboard.index whitelist.detail whitelist.edit"),
    F("chains.description", 4000, "chain form", "chains.detail"),
    F("chains.lead_department", 64, "chain form", "chains.detail chains.edit"),
    F("chain_links.name", 64, "link form", "chains.detail chains.node chains.edit"),
    F("chain_nodes.name", 64, "node form", "chains.detail chains.node chains.edit_node dashboard.index "
      "whitelist.detail"),
    F("chain_nodes.description", 4000, "node form", "chains.node chains.edit_node"),
    F("instructions.text", 2000, "instruction form",
      "instructions.detail instructions.mine whitelist.detail"),
    F("instructions.report", 2000, "report form", "instructions.detail instructions.mine whitelist.detail"),
    F("instruction_steps.text (return reason)", 200, "return form", "instructions.detail whitelist.detail"),
    F("enterprises.name (local firm)", 128, "local-firm form", "chains.detail chains.node"),
]  # fmt: skip
BY_KEY = {f.key: f for f in FIELDS}


def payload(key: str) -> str:
    return BY_KEY[key].payload


class _Checker(HTMLParser):
    """Collects what would run in a browser: event-handler attributes, javascript: URLs, script elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.script: dict | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and "alert(" in value:
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self.script = {"type": dict(attrs).get("type") or "", "text": ""}

    def handle_data(self, data):
        if self.script is not None:
            self.script["text"] += data

    def handle_endtag(self, tag):
        if tag != "script" or self.script is None:
            return
        kind, text = self.script["type"], self.script["text"]
        if kind == "application/json":
            try:
                json.loads(text)
            except ValueError:
                self.found.append(f"a JSON data island that does not parse: {text[:80]!r}")
        elif "alert(" in text:
            self.found.append(f"<script>{text[:80]}</script>")
        self.script = None


def unsafe_html(page: str) -> list[str]:
    """What in `page` a browser would run: [] for a safe page."""
    checker = _Checker()
    checker.feed(page)
    checker.close()
    raw = [f.key for f in FIELDS if f"<script>alert({f.number})</script>" in page]
    return checker.found + [f"raw payload of {key}" for key in raw]


def unsafe_cells(data: bytes) -> list[str]:
    """Cells of an .xlsx a spreadsheet would run: formulas, or text starting with = + - @ (not neutralised)."""
    found = []
    book = load_workbook(BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                text = cell.value if isinstance(cell.value, str) else ""
                if cell.data_type == "f" or (text and text[0] in "=+-@\t\r"):
                    found.append(f"{sheet.title}!{cell.coordinate}: {cell.value!r}")
    return found


def cell_texts(data: bytes) -> list[str]:
    book = load_workbook(BytesIO(data))
    return [
        str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row if c.value is not None
    ]
