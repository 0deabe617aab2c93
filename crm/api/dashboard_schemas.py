"""The dashboard's dataclasses (crm.dashboard.services.Dashboard) as JSON: money in 万元 integers, dates ISO."""

from marshmallow import Schema, fields

from crm.api.schemas import Args, EnterpriseRefSchema, Number, RefSchema, req


class FigureSchema(Schema):
    value = req(Number, allow_none=True)
    args = Args()
    entries = req(fields.Integer, allow_none=True, metadata={"description": "records a sum adds up"})
    target = req(fields.String, metadata={"description": "the list `args` filter: projects or whitelist"})


class GoalSchema(Schema):
    signings_low = req(fields.Integer)
    signings_high = req(fields.Integer)
    funds = req(fields.Integer, metadata={"description": "万元"})
    big_projects = req(fields.Integer)
    manufacturing_pct = req(fields.Integer)
    emerging_pct = req(fields.Integer)
    chain_per_county = req(fields.Integer)
    mega_baseline = req(fields.Integer)


class GoalRowSchema(Schema):
    key = req(fields.String)
    label = req(fields.String)
    actual = req(fields.String)
    target = req(fields.String)
    met = req(fields.Boolean)
    gap = req(fields.String)
    percent = req(fields.Float, allow_none=True)
    figure = req(fields.Nested, FigureSchema)
    pending = req(fields.Nested, FigureSchema, allow_none=True,
                  metadata={"description": "到位资金 submitted and not yet verified, 万元"})  # fmt: skip


class RateSchema(Schema):
    label = req(fields.String)
    percent = req(fields.Float, allow_none=True)
    numerator = req(fields.Nested, FigureSchema)
    denominator = req(fields.Nested, FigureSchema)
    words = req(fields.String)
    money = req(fields.Boolean)


class StageSchema(Schema):
    state = req(fields.String)
    label = req(fields.String)
    count = req(fields.Integer)
    investment = req(fields.Integer, metadata={"description": "万元"})
    args = Args()
    target = req(
        fields.String, metadata={"description": "targets (whitelist) before signing, projects after"}
    )


class SignedSchema(Schema):
    count = req(fields.Nested, FigureSchema)
    amount = req(fields.Integer, metadata={"description": "万元"})
    campaign = req(fields.Nested, FigureSchema)
    mega = req(fields.Nested, FigureSchema)
    emerging = req(fields.Nested, FigureSchema)
    chain = req(fields.Nested, FigureSchema)
    landed = req(fields.Nested, FigureSchema)
    started = req(fields.Nested, FigureSchema)
    producing = req(fields.Nested, FigureSchema)
    funds_all_time = req(fields.Integer, metadata={"description": "万元"})


class FundsSchema(Schema):
    total = req(fields.Integer, metadata={"description": "万元"})
    manufacturing = req(fields.Integer, metadata={"description": "万元"})
    projects = req(fields.Nested, FigureSchema)
    manufacturing_projects = req(fields.Nested, FigureSchema)
    pending = req(fields.Nested, FigureSchema, metadata={"description": "submitted, not yet verified"})


class CountyChainSchema(Schema):
    region = req(fields.Nested, RefSchema)
    count = req(fields.Nested, FigureSchema)


class WeekSchema(Schema):
    start = req(fields.Date)
    end = req(fields.Date)
    signed = req(fields.Integer)
    pipeline = req(fields.Integer)
    args = Args()
    target = req(fields.String)


class BreakdownRowSchema(Schema):
    label = req(fields.String)
    targets = req(fields.Nested, FigureSchema)
    pipeline = req(fields.Nested, FigureSchema)
    signed = req(fields.Nested, FigureSchema)
    signed_in_period = req(fields.Nested, FigureSchema)
    investment = req(fields.Nested, FigureSchema)
    funds = req(fields.Nested, FigureSchema)


def _rows():
    return req(fields.List, fields.Nested(BreakdownRowSchema))


class BreakdownsSchema(Schema):
    region = _rows()
    category = _rows()
    industry = _rows()
    team = _rows()
    campaign = _rows()
    mode = _rows()


class WatchedEntrySchema(Schema):
    id = req(fields.Integer)
    enterprise = req(fields.Nested, EnterpriseRefSchema)
    state = req(fields.String)


class WatchSchema(Schema):
    count = req(fields.Nested, FigureSchema)
    entries = req(fields.List, fields.Nested(WatchedEntrySchema))


class LightsSchema(Schema):
    red = req(fields.Nested, WatchSchema)
    yellow = req(fields.Nested, WatchSchema)


class ProjectLightsSchema(Schema):
    red = req(fields.Nested, FigureSchema)
    yellow = req(fields.Nested, FigureSchema)


class OrdersSchema(Schema):
    open_orders = req(fields.Integer)
    entries = req(fields.Nested, FigureSchema)


class PeriodSchema(Schema):
    start = req(fields.Date)
    end = req(fields.Date)


class RankedSchema(Schema):
    key = req(fields.Integer)
    label = req(fields.String)
    targets = req(fields.Integer)
    visits = req(fields.Integer)
    inbound = req(fields.Integer)
    signings = req(fields.Integer)
    starts = req(fields.Integer)
    points = req(fields.Float)
    index = req(fields.Float)
    rank = req(fields.Integer)
    args = req(fields.Dict, keys=fields.String(), values=fields.Raw(), allow_none=True)


class DashboardSchema(Schema):
    year = req(fields.Integer)
    today = req(fields.Date)
    goal = req(fields.Nested, GoalSchema)
    goals = req(fields.List, fields.Nested(GoalRowSchema))
    rates = req(fields.List, fields.Nested(RateSchema))
    funnel = req(fields.List, fields.Nested(StageSchema))
    signed = req(fields.Nested, SignedSchema)
    funds = req(fields.Nested, FundsSchema)
    chains = req(fields.List, fields.Nested(CountyChainSchema))
    weeks = req(fields.List, fields.Nested(WeekSchema))
    breakdowns = req(fields.Nested, BreakdownsSchema)
    lights = req(fields.Nested, LightsSchema)
    project_lights = req(fields.Nested, ProjectLightsSchema)
    orders = req(fields.Nested, OrdersSchema)
    week = req(fields.Nested, PeriodSchema)
    team_ranking = req(fields.List, fields.Nested(RankedSchema))
    county_ranking = req(fields.List, fields.Nested(RankedSchema))
