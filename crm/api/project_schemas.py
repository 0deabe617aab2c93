"""Responses of the project endpoints: a project (list item and detail with its schedule, arrivals and light) and
a 到位资金 line with the monthly return it belongs to. Money is integer 万元; months are "YYYY-MM"."""

from marshmallow import Schema, fields

from crm.api.inputs import Month
from crm.api.schemas import EnterpriseRefSchema, EventSchema, RefSchema, UserRefSchema, page_of, req
from crm.vocab import AGREEMENTS, LIGHTS, PROJECT_STATES, RETURN_STATUS

RETURN_STATUS_HELP = "draft | submitted (awaiting the city's verification) | verified (counts) | returned"


class LightSchema(Schema):
    colour = req(fields.String, metadata={"enum": list(LIGHTS)})
    reasons = req(fields.List, fields.String(), metadata={"description": "why it is yellow or red, in words"})


class ProjectSchema(Schema):
    id = req(fields.Integer)
    name = req(fields.String)
    entry_id = req(fields.Integer)
    enterprise = req(fields.Nested, EnterpriseRefSchema, attribute="entry.enterprise")
    held_by = req(fields.Nested, RefSchema, attribute="entry.region",
                  metadata={"description": "the county whose whitelist entry the project belongs to"})  # fmt: skip
    region = req(fields.Nested, RefSchema,
                 metadata={"description": "where the project lands: its figures count there"})  # fmt: skip
    industry = req(fields.Nested, RefSchema, allow_none=True)
    campaign = req(fields.String, allow_none=True)
    mode = req(fields.String, allow_none=True)
    planned_investment = req(fields.Integer, allow_none=True, metadata={"description": "万元"})
    agreement = req(fields.String, metadata={"enum": list(AGREEMENTS)})
    agreement_label = req(fields.Function, lambda p: AGREEMENTS.get(p.agreement, p.agreement),
                          metadata={"type": "string"})  # fmt: skip
    contract_amount = req(fields.Integer, allow_none=True, metadata={"description": "万元"})
    signed_on = req(fields.Date)
    landed_uscc = req(fields.String, allow_none=True)
    landed_on = req(fields.Date, allow_none=True)
    started_on = req(fields.Date, allow_none=True)
    producing_on = req(fields.Date, allow_none=True)
    state = req(fields.String, metadata={"enum": list(PROJECT_STATES)})
    state_label = req(
        fields.Function, lambda p: PROJECT_STATES.get(p.state, p.state), metadata={"type": "string"}
    )
    terminated_reason = req(fields.String, allow_none=True)
    light = req(fields.Nested, LightSchema, allow_none=True, metadata={"description": "null: terminated"})
    state_changed_at = req(fields.DateTime)
    created_at = req(fields.DateTime)
    updated_at = req(fields.DateTime)
    version = req(fields.Integer)


class PlannedMonthSchema(Schema):
    month = req(Month)
    amount = req(fields.Integer, metadata={"description": "planned 到位资金, 万元"})


class ReturnRefSchema(Schema):
    id = req(fields.Integer)
    region = req(fields.Nested, RefSchema, metadata={"description": "the county that files the return"})
    month = req(Month)
    seq = req(fields.Integer, metadata={"description": "0: the month's return; 1, 2 …: adjustments"})
    status = req(fields.String, metadata={"enum": list(RETURN_STATUS), "description": RETURN_STATUS_HELP})
    status_label = req(
        fields.Function, lambda r: RETURN_STATUS.get(r.status, r.status), metadata={"type": "string"}
    )
    return_reason = req(fields.String, allow_none=True, metadata={"description": "why the city sent it back"})


class ArrivalSchema(Schema):
    id = req(fields.Integer)
    project_id = req(fields.Integer)
    month = req(Month, attribute="arrived_on")
    fixed = req(fields.Integer, attribute="fixed_amount", metadata={"description": "固定资产投资, 万元"})
    other = req(fields.Integer, attribute="other_amount", metadata={"description": "万元"})
    total = req(fields.Integer, metadata={"description": "万元"})
    out_of_province = req(fields.Boolean)
    source_province = req(fields.String, allow_none=True)
    note = req(fields.String, allow_none=True)
    attachment_name = req(fields.String, allow_none=True)
    created_by = req(fields.Nested, UserRefSchema)
    created_at = req(fields.DateTime)
    counted = req(fields.Function, lambda a: a.fund_return.status == "verified",
                  metadata={"type": "boolean", "description": "true once the city has verified the return"})  # fmt: skip
    fund_return = req(fields.Nested, ReturnRefSchema, data_key="return")


class ProjectFundsSchema(Schema):
    verified = req(fields.Integer, metadata={"description": "万元, counted toward the goals"})
    pending = req(
        fields.Integer, metadata={"description": "万元, in submitted returns awaiting verification"}
    )
    unsubmitted = req(fields.Integer, metadata={"description": "万元, in draft or returned returns"})
    planned = req(fields.Integer, metadata={"description": "万元, the whole planned schedule"})


class ProjectDetailSchema(ProjectSchema):
    plan = req(fields.List, fields.Nested(PlannedMonthSchema))
    arrivals = req(fields.List, fields.Nested(ArrivalSchema))
    funds = req(fields.Nested, ProjectFundsSchema)
    may_report_funds = req(
        fields.Boolean, metadata={"description": "whether the token's user may add arrivals"}
    )
    events = req(fields.List, fields.Nested(EventSchema))


ProjectPageSchema = page_of(ProjectSchema)
