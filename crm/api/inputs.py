"""What the API accepts: query strings and JSON bodies, validated before any service runs. Unknown parameters
are a 400, values out of range a 422 (never a 500); the bounds appear in the OpenAPI document."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from crm.parsing import MAX_ID, sane_date
from crm.vocab import CAMPAIGNS, CONTACT_KINDS, MODES, State
from crm.whitelist.drill import FLAGS, MILESTONE_DATES, MILESTONES, NONE, NONE_CODE, PHASES
from crm.whitelist.queries import SORTS

MAX_PER_PAGE = 100


def plain_text(value: str) -> None:
    """No control characters (a NUL byte is refused by PostgreSQL); line breaks and tabs are fine."""
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value) or "\x7f" in value:
        raise ValidationError(str(_l("Control characters are not allowed.")))


def sane(value) -> None:
    if not sane_date(value):
        raise ValidationError(str(_l("The date is out of range.")))


def Text(max_length: int, **kwargs):  # noqa: N802 - reads as a field type
    return fields.String(validate=[validate.Length(max=max_length), plain_text], **kwargs)


def Id(**kwargs):  # noqa: N802
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def Choice(values, **kwargs):  # noqa: N802
    return fields.String(validate=validate.OneOf(list(values)), **kwargs)


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class SearchQuery(PageQuery):
    q = Text(64, load_default="")


def _filter_id(description: str):
    return fields.Integer(load_default=0, validate=validate.Range(min=NONE, max=MAX_ID),
                          metadata={"description": f"{description}; -1: not filled in"})  # fmt: skip


class EntryQuery(SearchQuery):
    """The whitelist list's filters (the same names as the list page's query string)."""

    region = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))
    tag = _filter_id("category tag id")
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
    summary = fields.String(required=True, validate=[validate.Length(min=1, max=4000), plain_text])
    outcome = Text(2000, load_default=None, allow_none=True)
    participant_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=50))
    contact_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=50))
    new_contact_name = Text(64, load_default=None, allow_none=True)
    new_contact_title = Text(64, load_default=None, allow_none=True)
    next_step = Text(200, load_default=None, allow_none=True)
    next_date = fields.Date(load_default=None, allow_none=True, validate=sane)
    complete_task_id = Id(load_default=None, allow_none=True)
