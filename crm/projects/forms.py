"""Forms of the projects feature: a project, its stage evidence, termination, planned schedule, the filters of the
list, and the lines and decisions of the monthly 到位资金 return."""

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from crm.drill import NONE
from crm.formatting import short
from crm.formbase import Form
from crm.money import MAX_WAN, amount, plain
from crm.parsing import SaneDate, parse_int
from crm.projects.queries import BAND_LABELS, ProjectFilters
from crm.refdata.choices import industry_choices, leaf_industry_choices, region_choices
from crm.vocab import AGREEMENTS, CAMPAIGNS, LIGHTS, MODES, PROJECT_STATES, PROVINCES
from crm.widgets import QuickSelectField

REQUIRED = _l("This field is required.")


class MoneyField(StringField):
    """万元 typed as a clerk types it — 50,000 · ５００００ · 5万 · 1.5亿 — read as an integer number of 万元. The text
    stays as typed for a re-displayed form; a value that is not an amount gets one message saying why."""

    def __init__(self, label=None, validators=None, negative: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.negative = negative
        self.typed: str | None = None

    def process_formdata(self, valuelist):
        self.typed = valuelist[0] if valuelist else ""
        self.data = None
        parsed = amount(self.typed, negative=self.negative)  # a ValueError becomes the field's error
        if parsed is None:
            return
        value, rounded = parsed
        if rounded:
            raise ValueError(_("Amounts are whole 万元: %(value)s has a fraction.", value=short(self.typed)))
        if value == 0 and not self.negative:
            raise ValueError(_("Give a positive amount in 万元."))
        self.data = value

    def _value(self) -> str:
        if self.typed is not None:
            return self.typed
        return "" if self.data is None else str(self.data)


# "2026-12 5000", "2027年1月：3000", "2027/02, 1,500" — one month per line.
SCHEDULE_LINE = re.compile(r"^\s*(\d{4})\s*[-/年.]\s*(\d{1,2})\s*月?\s*[:：,，\s]\s*([\d,，]+)\s*$", re.ASCII)
MONTH = re.compile(r"^\s*(\d{4})\s*[-/年.]?\s*(\d{1,2})\s*月?\s*$", re.ASCII)


def parse_month(text: str | None) -> date | None:
    match = MONTH.match(plain(text or ""))
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1) if 1 <= month <= 12 and 2000 <= year <= 2100 else None


def parse_schedule(text: str | None) -> dict[date, int]:
    """The planned 到位资金 schedule typed one month per line; ValueError names the line it cannot read."""
    schedule: dict[date, int] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = SCHEDULE_LINE.match(plain(line))
        month = int(match[2]) if match else 0
        if not match or not 1 <= month <= 12 or not 2000 <= int(match[1]) <= 2100:
            raise ValueError(_("Line %(n)d: write a month and an amount, e.g. 2027-01 5000.", n=number))
        planned = parse_int(match[3].replace(",", "").replace("，", ""), maximum=MAX_WAN)
        if planned is None:
            raise ValueError(_("Line %(n)d: the amount is too large for 万元.", n=number))
        schedule[date(int(match[1]), month, 1)] = planned
    return schedule


class ProjectForm(Form):
    name = StringField(_l("Project name"), validators=[DataRequired(message=REQUIRED), Length(max=200)])
    region_id = SelectField(_l("Where it lands (county or zone)"), coerce=int,
                            validators=[DataRequired(message=REQUIRED)])  # fmt: skip
    agreement = SelectField(_l("Agreement type"), choices=list(AGREEMENTS.items()), default="investment")
    signed_on = DateField(_l("Signing date"), validators=[DataRequired(message=REQUIRED), SaneDate()])
    contract_amount = MoneyField(_l("Contract amount (万元)"), validators=[InputRequired(message=REQUIRED)])
    planned_investment = MoneyField(_l("Planned total investment (万元)"), validators=[Optional()])
    industry_id = SelectField(_l("Industry"), coerce=int, validators=[Optional()])
    campaign = SelectField(_l("Campaign (攻坚行动)"), validators=[Optional()])
    mode = SelectField(_l("Mode (招商方式)"), validators=[Optional()])
    schedule = TextAreaField(_l("Planned funds arrival (one month per line: 2027-01 5000)"),
                             validators=[Optional(), Length(max=2000)])  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_id.choices = region_choices(blank=_("— choose —"))
        self.industry_id.choices = leaf_industry_choices(blank=_("— as the target —"))
        self.campaign.choices = [("", _("— as the target —"))] + list(CAMPAIGNS.items())
        self.mode.choices = [("", _("— as the target —"))] + list(MODES.items())

    def validate_schedule(self, field) -> None:
        try:
            parse_schedule(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class StageForm(Form):
    target = HiddenField(validators=[DataRequired()])
    version = HiddenField()
    on = DateField(_l("Date"), validators=[DataRequired(message=REQUIRED), SaneDate()])
    uscc = StringField(
        _l("Credit code of the registered local entity"), validators=[Optional(), Length(max=64)]
    )


class TerminateForm(Form):
    version = HiddenField()
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=REQUIRED), Length(max=1000)])


class ScheduleForm(Form):
    version = HiddenField()
    schedule = TextAreaField(_l("Planned funds arrival (one month per line: 2027-01 5000)"),
                             validators=[Optional(), Length(max=2000)])  # fmt: skip

    def validate_schedule(self, field) -> None:
        try:
            parse_schedule(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class ArrivalForm(Form):
    project_id = SelectField(_l("Project"), coerce=int, validators=[DataRequired(message=REQUIRED)])
    fixed = MoneyField(_l("Fixed-asset investment (万元)"), negative=True, default=0, validators=[Optional()])
    other = MoneyField(_l("Other funds (万元)"), negative=True, default=0, validators=[Optional()])
    out_of_province = BooleanField(_l("From outside the province (省外资金)"))
    source_province = SelectField(_l("Source province"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    attachment = FileField(_l("Attachment (bank slip, PDF or image)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source_province.choices = [("", _("— choose —"))] + [(p, p) for p in PROVINCES if p != "山东省"]


class DecisionForm(Form):
    version = HiddenField()
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)])


class FilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    region = QuickSelectField(_l("Lands in"), validators=[Optional()])
    state = QuickSelectField(_l("State"), validators=[Optional()])
    agreement = QuickSelectField(_l("Agreement type"), validators=[Optional()])
    band = QuickSelectField(_l("Planned investment"), validators=[Optional()])
    industry = QuickSelectField(_l("Industry"), validators=[Optional()])
    light = QuickSelectField(_l("Light"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = _("All")
        self.region.choices = [("", everything)] + [(str(k), v) for k, v in region_choices(blank=None)]
        self.state.choices = [("", everything)] + list(PROJECT_STATES.items())
        self.agreement.choices = [("", everything)] + list(AGREEMENTS.items())
        self.band.choices = [("", everything)] + list(BAND_LABELS.items())
        self.industry.choices = [("", everything)] + [(str(k), v) for k, v in industry_choices(blank=None)]
        self.light.choices = [("", everything)] + [(k, LIGHTS[k]) for k in ("red", "yellow", "green")]


def filters_from(form: FilterForm, args) -> ProjectFilters:
    """The list's filters from its form and the dashboard's drill-down arguments (junk is ignored)."""

    def day(key: str) -> date | None:
        try:
            return date.fromisoformat(args.get(key, ""))
        except ValueError:
            return None

    def valid(field) -> str:
        value = field.data or ""
        return value if value in {str(k) for k, _v in field.choices} else ""

    def id_or_none(key: str) -> int | None:  # the dashboard's breakdowns: -1 = not filled in
        return NONE if args.get(key) == str(NONE) else parse_int(args.get(key))

    return ProjectFilters(
        q=(form.q.data or "")[:100], region=parse_int(valid(form.region)), state=valid(form.state),
        agreement=valid(form.agreement), band=valid(form.band),
        industry=NONE if args.get("industry") == str(NONE) else parse_int(valid(form.industry)),
        light=valid(form.light), milestone=args.get("milestone", ""), period_from=day("from"), period_to=day("to"),
        min_investment=parse_int(args.get("min_investment"), 0, maximum=100_000_000) or 0,
        flag=args.get("flag", ""), chain=args.get("chain") == "1", campaign=args.get("campaign", "")[:20],
        counted=args.get("counted") == "1", funds=args.get("funds", "") if args.get("funds") in ("pending",) else "",
        reached=args.get("reached", ""), entry=parse_int(args.get("entry")),
        team=id_or_none("team"), tag=id_or_none("tag"), mode=args.get("mode", "")[:20],
    )  # fmt: skip
