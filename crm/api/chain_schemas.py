"""Responses of the industry-chain endpoints: a chain with its score, and its nodes with their gap figures, local
firms and the targets the caller may open. Money is integer 万元."""

from marshmallow import Schema, fields

from crm.api.schemas import EnterpriseRefSchema, RefSchema, UserRefSchema, req
from crm.chains.gaps import COVERED, GAP, TARGETED
from crm.chains.models import FIRM_ROLES

STATUS_HELP = "gap (no local firm, no target) | targeted (targets in progress) | covered (a local firm or a signed project)"


class ScoreSchema(Schema):
    nodes = req(fields.Integer)
    covered = req(fields.Integer)
    targeted = req(fields.Integer, metadata={"description": "nodes with targets in progress"})
    gaps = req(fields.Integer)
    filled_this_year = req(fields.Integer, metadata={"description": "nodes with a project signed this year"})
    leaders = req(fields.Integer, metadata={"description": "nodes with a local 链主"})
    value = req(fields.Integer, metadata={"description": "0–100: covered 1, targets only ½, over the nodes"})


class ChainSchema(Schema):
    id = req(fields.Integer)
    name = req(fields.String)
    description = req(fields.String, allow_none=True)
    chief = req(fields.Nested, UserRefSchema, allow_none=True, metadata={"description": "链长"})
    lead_department = req(fields.String, allow_none=True)
    regions = req(fields.Function, lambda c: [{"id": r.region.id, "name": r.region.name} for r in c.regions],
                  metadata={"type": "array", "items": {"type": "object"}})  # fmt: skip
    is_demo = req(fields.Boolean)
    active = req(fields.Boolean)
    version = req(fields.Integer)
    score = req(fields.Nested, ScoreSchema)


class ChainListSchema(Schema):
    items = req(fields.List, fields.Nested(ChainSchema))


class FirmSchema(Schema):
    enterprise = req(fields.Nested, EnterpriseRefSchema)
    region = req(fields.Nested, RefSchema)
    role = req(fields.String, metadata={"enum": list(FIRM_ROLES)})


class TargetSchema(Schema):
    id = req(fields.Integer)
    enterprise = req(fields.Nested, EnterpriseRefSchema)
    region = req(fields.Nested, RefSchema)
    state = req(fields.String)


class NodeSchema(Schema):
    id = req(fields.Integer, attribute="node.id")
    name = req(fields.String, attribute="node.name")
    link = req(fields.String, attribute="node.link.name")
    industry = req(fields.Nested, RefSchema, attribute="node.industry", allow_none=True)
    status = req(fields.String, metadata={"enum": [GAP, TARGETED, COVERED], "description": STATUS_HELP})
    targets_total = req(fields.Integer, attribute="figures.targets", metadata={"description": "city-wide"})
    targets_by_state = req(
        fields.Dict, keys=fields.String(), values=fields.Integer(), attribute="figures.by_state"
    )
    red = req(fields.Integer, attribute="figures.red")
    yellow = req(fields.Integer, attribute="figures.yellow")
    projects = req(
        fields.Integer, attribute="figures.projects", metadata={"description": "live signed projects"}
    )
    funds = req(
        fields.Integer, attribute="figures.funds", metadata={"description": "verified 到位资金, 万元"}
    )
    firms = req(fields.List, fields.Nested(FirmSchema))
    targets = req(
        fields.List, fields.Nested(TargetSchema), metadata={"description": "those the caller may open"}
    )


class ChainDetailSchema(ChainSchema):
    nodes = req(fields.List, fields.Nested(NodeSchema), metadata={"description": "gaps first"})
