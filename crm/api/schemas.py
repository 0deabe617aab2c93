"""Marshmallow schemas: the API's responses are dumped with these and its OpenAPI document is generated from the
same classes, so the two cannot disagree. Every response field is `required` (present, possibly null)."""

from decimal import Decimal

from marshmallow import Schema, fields

from crm.vocab import CONTACT_KINDS, State


def req(field_class, *args, **kwargs):
    """A response field that is always present; `allow_none` marks it nullable."""
    return field_class(*args, required=True, **kwargs)


class Number(fields.Number):
    """An int stays an int and a float a float in JSON (money in 万元 is an integer, a percentage may not be).
    PostgreSQL's SUM gives a Decimal: a whole one becomes an int."""

    num_type = float

    def _format_num(self, value):
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        return value


def Args():  # noqa: N802 - reads as a field type
    return req(fields.Dict, keys=fields.String(), values=fields.Raw(),
               metadata={"description": "Filters of GET /entries that list the records behind the figure."})  # fmt: skip


class ErrorBodySchema(Schema):
    code = req(fields.String, metadata={"description": "stable, snake_case"})
    message = req(fields.String, metadata={"description": "for people, in Chinese"})


class ErrorSchema(Schema):
    error = req(fields.Nested, ErrorBodySchema)


class RefSchema(Schema):
    id = req(fields.Integer)
    name = req(fields.String)


class UserRefSchema(Schema):
    id = req(fields.Integer)
    full_name = req(fields.String)


class EnterpriseRefSchema(Schema):
    id = req(fields.Integer)
    name = req(fields.String)
    uscc = req(fields.String, allow_none=True)


class CategorySchema(Schema):
    code = req(fields.String, attribute="tag.code")
    name = req(fields.String, attribute="tag.name")
    rank = req(fields.Integer, allow_none=True)
    list_year = req(fields.Integer, allow_none=True)


class EnterpriseSchema(Schema):
    id = req(fields.Integer)
    name = req(fields.String)
    name_en = req(fields.String, allow_none=True)
    uscc = req(fields.String, allow_none=True)
    hq = req(fields.String, allow_none=True)
    parent_id = req(fields.Integer, allow_none=True)
    industry = req(fields.Nested, RefSchema, allow_none=True)
    website = req(fields.String, allow_none=True)
    categories = req(fields.List, fields.Nested(CategorySchema))
    created_at = req(fields.DateTime)
    updated_at = req(fields.DateTime)


class EntrySchema(Schema):
    id = req(fields.Integer)
    enterprise = req(fields.Nested, EnterpriseRefSchema)
    region = req(fields.Nested, RefSchema)
    industry = req(fields.Nested, RefSchema, allow_none=True)
    campaign = req(fields.String, allow_none=True)
    mode = req(fields.String, allow_none=True)
    planned_investment = req(fields.Integer, allow_none=True, metadata={"description": "万元"})
    summary = req(fields.String, allow_none=True)
    priority = req(fields.Integer)
    state = req(fields.String, metadata={"enum": [s.value for s in State]})
    state_label = req(fields.String)
    review_stage = req(fields.String, allow_none=True)
    conflict = req(fields.Boolean)
    conflict_note = req(fields.String, allow_none=True)
    team = req(fields.Nested, RefSchema, allow_none=True)
    owner = req(fields.Nested, UserRefSchema, allow_none=True)
    proposer = req(fields.Nested, UserRefSchema)
    plan_start = req(fields.Date, allow_none=True)
    last_contact_at = req(fields.DateTime, allow_none=True)
    signed_on = req(fields.Date, allow_none=True)
    contract_amount = req(fields.Integer, allow_none=True, metadata={"description": "万元"})
    landed_on = req(fields.Date, allow_none=True)
    started_on = req(fields.Date, allow_none=True)
    producing_on = req(fields.Date, allow_none=True)
    submitted_at = req(fields.DateTime, allow_none=True)
    whitelisted_at = req(fields.DateTime, allow_none=True)
    state_changed_at = req(fields.DateTime)
    created_at = req(fields.DateTime)
    updated_at = req(fields.DateTime)
    version = req(fields.Integer, metadata={"description": "send it back with a change; an old one gets 409"})


class EventSchema(Schema):
    id = req(fields.Integer)
    at = req(fields.DateTime)
    action = req(fields.String)
    actor = req(fields.Nested, UserRefSchema, allow_none=True)
    from_state = req(fields.String, allow_none=True)
    to_state = req(fields.String, allow_none=True)
    reason = req(fields.String, allow_none=True)
    detail = req(fields.String, allow_none=True, attribute="shown_detail")


class EntryDetailSchema(EntrySchema):
    actions = req(fields.List, fields.String(), metadata={"description": "what the token's user may do now"})
    events = req(fields.List, fields.Nested(EventSchema))


class EnterpriseDetailSchema(EnterpriseSchema):
    entries = req(fields.List, fields.Nested(EntrySchema))


class TeamSchema(Schema):
    id = req(fields.Integer)
    name = req(fields.String)
    region = req(
        fields.Nested, RefSchema, allow_none=True, metadata={"description": "null: a city-wide team"}
    )
    leader = req(fields.Nested, UserRefSchema)
    senior_leader = req(fields.String, allow_none=True)
    capacity = req(fields.Integer, allow_none=True)
    active = req(fields.Boolean)
    industries = req(fields.List, fields.Nested(RefSchema))
    members = req(fields.List, fields.Nested(UserRefSchema))


class TeamDetailSchema(TeamSchema):
    targets = req(fields.Integer, metadata={"description": "entries of the team the user may see"})


class AssignmentSchema(Schema):
    id = req(fields.Integer)
    at = req(fields.DateTime)
    from_team = req(fields.Nested, RefSchema, allow_none=True)
    from_owner = req(fields.Nested, UserRefSchema, allow_none=True)
    to_team = req(fields.Nested, RefSchema)
    to_owner = req(fields.Nested, UserRefSchema)
    actor = req(fields.Nested, UserRefSchema)
    reason = req(fields.String, allow_none=True)
    moved_tasks = req(fields.Integer)


class ContactPersonSchema(Schema):
    id = req(fields.Integer)
    name = req(fields.String)
    title = req(fields.String, allow_none=True)


class ContactLogSchema(Schema):
    id = req(fields.Integer)
    entry_id = req(fields.Integer)
    occurred_at = req(fields.DateTime)
    kind = req(fields.String, metadata={"enum": list(CONTACT_KINDS)})
    summary = req(fields.String)
    outcome = req(fields.String, allow_none=True)
    next_step = req(fields.String, allow_none=True)
    next_date = req(fields.Date, allow_none=True)
    created_by = req(fields.Nested, UserRefSchema)
    participants = req(fields.List, fields.Nested(UserRefSchema))
    people = req(fields.List, fields.Nested(ContactPersonSchema))
    attachment_name = req(fields.String, allow_none=True)
    created_at = req(fields.DateTime)


class TaskSchema(Schema):
    id = req(fields.Integer)
    entry_id = req(fields.Integer)
    enterprise = req(fields.Nested, EnterpriseRefSchema, attribute="entry.enterprise")
    title = req(fields.String)
    kind = req(fields.String)
    evidence = req(fields.String, allow_none=True)
    due_date = req(fields.Date)
    status = req(fields.String)
    version = req(fields.Integer)


class NotificationSchema(Schema):
    id = req(fields.Integer)
    kind = req(fields.String)
    title = req(fields.String)
    body = req(fields.String, allow_none=True)
    entry_id = req(fields.Integer, allow_none=True)
    created_at = req(fields.DateTime)
    read_at = req(fields.DateTime, allow_none=True)


def page_of(item: type[Schema]) -> type[Schema]:
    """`{"items": [...], "page", "per_page", "total"}` around `item`, named after it (EntryPage, TeamPage …)."""
    name = item.__name__.removesuffix("Schema") + "PageSchema"
    return type(name, (Schema,), {
        "items": req(fields.List, fields.Nested(item)),
        "page": req(fields.Integer), "per_page": req(fields.Integer), "total": req(fields.Integer),
    })  # fmt: skip


EnterprisePageSchema = page_of(EnterpriseSchema)
EntryPageSchema = page_of(EntrySchema)
TeamPageSchema = page_of(TeamSchema)
AssignmentPageSchema = page_of(AssignmentSchema)
ContactLogPageSchema = page_of(ContactLogSchema)
TaskPageSchema = page_of(TaskSchema)
NotificationPageSchema = page_of(NotificationSchema)
