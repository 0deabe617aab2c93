"""What the API accepts: query strings and JSON bodies, validated before any service runs. Unknown parameters
are a 400, values out of range a 422 (never a 500); the bounds appear in the OpenAPI document."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from crm.drill import FLAGS, MILESTONE_DATES, MILESTONES, NONE, NONE_CODE, PHASES
from crm.parsing import BIDI_CONTROLS, MAX_ID, one_line, sane_date
from crm.projects.queries import BANDS
from crm.projects.queries import FLAGS as PROJECT_FLAGS
from crm.projects.queries import MILESTONE_DATES as PROJECT_DATES
from crm.refdata.aliases import ReferenceNames, UnknownReference
from crm.vocab import AGREEMENTS, CAMPAIGNS, CONTACT_KINDS, MODES, PROJECT_STATES, PROVINCES, State
from crm.whitelist.queries import SORTS

MAX_PER_PAGE = 100


def plain_text(value: str) -> None:
    """No control characters (a NUL byte is refused by PostgreSQL); line breaks and tabs are fine."""
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value) or "\x7f" in value:
        raise ValidationError(str(_l("Control characters are not allowed.")))


def sane(value) -> None:
    if not sane_date(value):
        raise ValidationError(str(_l("The date is out of range.")))


class Lines(fields.String):
    """Text that may run over several lines (a summary, a reason): bidi overrides are dropped, as the web forms do;
    other control characters are refused (plain_text)."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return "".join(c for c in super()._deserialize(value, attr, data, **kwargs) if c not in BIDI_CONTROLS)


def Text(max_length: int, **kwargs):  # noqa: N802 - reads as a field type
    return Lines(validate=[validate.Length(max=max_length), plain_text], **kwargs)


class OneLine(fields.String):
    """A single-line value (a name, a title, a search): line breaks, tabs and bidi overrides are dropped before
    the length is checked, as the web forms do (crm.formbase); other control characters are refused."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        plain_text(text)  # a NUL or an escape is refused as in any text; line breaks and bidi overrides go
        return one_line(text).strip()


def Line(max_length: int, **kwargs):  # noqa: N802 - reads as a field type
    return OneLine(validate=validate.Length(max=max_length), **kwargs)


def Id(**kwargs):  # noqa: N802
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def Choice(values, **kwargs):  # noqa: N802
    return fields.String(validate=validate.OneOf(list(values)), **kwargs)


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class SearchQuery(PageQuery):
    q = Line(64, load_default="")


class Reference(fields.String):
    """A county/zone or category given by id (as before) or by name, code or alias as people write them
    (经开区, 临清, 中国500强): crm.refdata.aliases resolves it to the id. An unknown name is a 422 whose message names
    the closest valid values. 0 is "any"; -1 (categories) "not filled in"."""

    def __init__(self, kind: str, minimum: int, description: str, **kwargs):
        self.kind, self.minimum = kind, minimum
        metadata = {"description": f"{description}: an id, or a name as the bureau writes it", "example": "0"}
        super().__init__(load_default=0, metadata={**metadata, "maxLength": 64}, **kwargs)

    # A string on the wire, loaded as an id: marshmallow's String types the loaded value as str.
    def _deserialize(self, value, attr, data, **kwargs) -> int:  # type: ignore[override]
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if len(text) > 64:
            raise ValidationError(str(_l("Not a valid id.")))
        if re.fullmatch(r"-?[0-9]{1,12}", text):
            number = int(text)
            if not self.minimum <= number <= MAX_ID:
                raise ValidationError(str(_l("Not a valid id.")))
            return number
        plain_text(text)
        names = ReferenceNames((self.kind,))
        try:
            return names.region(text) if self.kind == "region" else names.category(text)
        except UnknownReference as error:
            raise ValidationError(str(error)) from None


def _filter_id(description: str):
    return fields.Integer(load_default=0, validate=validate.Range(min=NONE, max=MAX_ID),
                          metadata={"description": f"{description}; -1: not filled in"})  # fmt: skip


class EntryQuery(SearchQuery):
    """The whitelist list's filters (the same names as the list page's query string)."""

    region = Reference("region", 0, "county or zone")
    tag = Reference("category", NONE, "category tag; -1: none")
    industry = _filter_id("industry id (its sub-industries included)")
    team = _filter_id("team id")
    state = Choice([s.value for s in State], load_default="")
    campaign = Choice([*CAMPAIGNS, NONE_CODE], load_default="")
    mode = Choice([*MODES, NONE_CODE], load_default="")
    conflict = fields.Boolean(load_default=False)
    light = Choice(["red", "yellow"], load_default="")
    phase = Choice(PHASES, load_default="")
    milestone = Choice(MILESTONES, load_default="")
    period_from = fields.Date(data_key="from", load_default=None, validate=sane)
    period_to = fields.Date(data_key="to", load_default=None, validate=sane)
    min_investment = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10**9),
                                    metadata={"description": "万元"})  # fmt: skip
    flag = Choice(FLAGS, load_default="")
    chain = fields.Boolean(load_default=False)
    reached = Choice(MILESTONE_DATES, load_default="")
    escalated = fields.Boolean(load_default=False)
    sort = Choice(SORTS, load_default="updated")


class NotificationQuery(PageQuery):
    unread = fields.Boolean(load_default=False)


class DashboardQuery(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2020, max=2100),
                          metadata={"description": "default: this year"})  # fmt: skip


class ActionBody(Schema):
    reason = Text(2000, load_default=None, allow_none=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_ID),
                             metadata={"description": "the entry's version as last read"})  # fmt: skip


class AssignBody(Schema):
    team_id = Id(required=True)
    owner_id = Id(load_default=None, allow_none=True, metadata={"description": "default: the team leader"})
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_ID))


class LogBody(Schema):
    """The same fields and limits as the contact-log form (attachments go through the web page)."""

    occurred_at = fields.DateTime(required=True, metadata={"description": "without an offset: Beijing time"})
    kind = Choice(CONTACT_KINDS, required=True)
    summary = Lines(required=True, validate=[validate.Length(min=1, max=4000), plain_text])
    outcome = Text(2000, load_default=None, allow_none=True)
    participant_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=50))
    contact_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=50))
    new_contact_name = Line(64, load_default=None, allow_none=True)
    new_contact_title = Line(64, load_default=None, allow_none=True)
    next_step = Line(200, load_default=None, allow_none=True)
    next_date = fields.Date(load_default=None, allow_none=True, validate=sane)
    complete_task_id = Id(load_default=None, allow_none=True)


MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")
MONTH_PATTERN = MONTH.pattern


class Month(fields.String):
    """A month as "YYYY-MM" (2000–2100) both ways: loaded as its first day, dumped from any day of it."""

    def __init__(self, **kwargs):
        metadata = {"pattern": MONTH_PATTERN, "example": "2026-11", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value:%Y-%m}"

    # A string on the wire, loaded as a date: marshmallow's String types the loaded value as str.
    def _deserialize(self, value, attr, data, **kwargs) -> date:  # type: ignore[override]
        text = super()._deserialize(value, attr, data, **kwargs)
        month = int(text[5:]) if MONTH.match(text) else 0
        if not 1 <= month <= 12 or not 2000 <= int(text[:4]) <= 2100:
            raise ValidationError(str(_l("Give the month as YYYY-MM.")))
        return date(int(text[:4]), month, 1)


class ProjectQuery(PageQuery):
    """The project list's filters and the dashboard's drill-down arguments (the names of ProjectFilters.args())."""

    q = Line(100, load_default="")
    region = Reference("region", 0, "where the project lands (county or zone)")
    state = Choice(PROJECT_STATES, load_default="")
    agreement = Choice(AGREEMENTS, load_default="")
    band = Choice(
        BANDS, load_default="", metadata={"description": "planned investment: <1, 1–10, 10–50, ≥50 亿元"}
    )
    industry = _filter_id("industry id (its sub-industries included)")
    light = Choice(["red", "yellow", "green"], load_default="")
    milestone = Choice([*PROJECT_DATES, "funds"], load_default="",
                       metadata={"description": "a milestone date (or verified funds) within from–to"})  # fmt: skip
    period_from = fields.Date(data_key="from", load_default=None, validate=sane)
    period_to = fields.Date(data_key="to", load_default=None, validate=sane)
    min_investment = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10**9),
                                    metadata={"description": "万元"})  # fmt: skip
    flag = Choice(PROJECT_FLAGS, load_default="")
    chain = fields.Boolean(load_default=False)
    campaign = Choice([*CAMPAIGNS, NONE_CODE], load_default="")
    mode = Choice([*MODES, NONE_CODE], load_default="")
    team = _filter_id("the target's team id")
    tag = Reference("category", NONE, "category tag of the target's enterprise; -1: none")
    counted = fields.Boolean(
        load_default=False, metadata={"description": "only agreements that count as a signing"}
    )
    funds = Choice(["verified", "pending"], load_default="",
                   metadata={"description": "with milestone=funds: verified (default) or pending verification"})  # fmt: skip
    reached = Choice(PROJECT_DATES, load_default="")
    entry = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID),
                           metadata={"description": "the whitelist entry's id"})  # fmt: skip


class ArrivalBody(Schema):
    """A line of the landing county's monthly return, as the return page's form takes it (no attachment)."""

    month = Month(required=True, metadata={"description": "the month reported"})
    fixed = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=-100_000_000, max=100_000_000),
                           metadata={"description": "固定资产投资, 万元 (negative only in an adjustment)"})  # fmt: skip
    other = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=-100_000_000, max=100_000_000),
                           metadata={"description": "other funds, 万元"})  # fmt: skip
    out_of_province = fields.Boolean(load_default=False, metadata={"description": "省外到位资金"})
    source_province = Choice(PROVINCES, load_default=None, allow_none=True,
                             metadata={"description": "required with out_of_province"})  # fmt: skip
    note = Line(200, load_default=None, allow_none=True)
