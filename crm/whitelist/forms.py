"""Whitelist forms: entry fields, propose (enterprise + entry), reason dialogs and the list filter."""

from datetime import date

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.chains.queries import node_choices
from crm.drill import FLAGS, MILESTONE_DATES, MILESTONES, NONE, NONE_CODE, PHASES, Drill
from crm.enterprises.forms import EnterpriseFields
from crm.formbase import Form
from crm.parsing import parse_int, sane_date
from crm.refdata.choices import industry_choices, leaf_industry_choices, region_choices, tag_choices
from crm.teams.queries import team_options
from crm.vocab import CAMPAIGNS, LIGHTS, MODES, PRIORITIES, STATE_LABELS
from crm.whitelist.queries import Filters
from crm.whitelist.services import EntryData
from crm.widgets import QuickSelectField


class EntryFields:
    region_id = SelectField(
        _l("Target county"), coerce=int, validators=[DataRequired(message=_l("Choose a county."))]
    )
    industry_id = SelectField(_l("Industry of the project"), coerce=int, validators=[Optional()])
    campaign = SelectField(_l("Campaign"), validators=[Optional()])
    mode = SelectField(_l("Promotion mode"), validators=[Optional()])
    planned_investment = IntegerField(
        _l("Planned total investment (10,000 yuan)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=10**9, message=_l("Enter a whole number of 万元, 0 or more.")),
        ],
    )
    summary = TextAreaField(_l("Project summary"), validators=[Optional(), Length(max=4000)])
    priority = SelectField(_l("Priority"), coerce=int, default=2)
    chain_node_id = SelectField(
        _l("Industry-chain node"), coerce=int, validators=[Optional()],
        description=_l("The node of a key industry chain this target would fill (补链、强链、延链)."),
    )  # fmt: skip

    def init_entry_choices(self) -> None:
        self.region_id.choices = region_choices(blank=_("— choose —"))
        self.industry_id.choices = leaf_industry_choices(blank=_("— not set —"))
        self.campaign.choices = [("", _("— not set —"))] + list(CAMPAIGNS.items())
        self.mode.choices = [("", _("— not set —"))] + list(MODES.items())
        self.priority.choices = list(PRIORITIES.items())
        self.chain_node_id.choices = node_choices(blank=_("— not set —"))

    def entry_data(self) -> EntryData:
        return EntryData(
            region_id=self.region_id.data,
            industry_id=self.industry_id.data or None,
            campaign=self.campaign.data or None,
            mode=self.mode.data or None,
            planned_investment=self.planned_investment.data,
            summary=(self.summary.data or "").strip() or None,
            priority=self.priority.data,
            chain_node_id=self.chain_node_id.data or None,
        )

    def fill_from_entry(self, entry) -> None:
        self.region_id.data = entry.region_id
        self.industry_id.data = entry.industry_id or 0
        self.campaign.data = entry.campaign or ""
        self.mode.data = entry.mode or ""
        self.planned_investment.data = entry.planned_investment
        self.summary.data = entry.summary
        self.priority.data = entry.priority
        self.chain_node_id.data = entry.chain_node_id or 0


class EntryForm(EntryFields, Form):
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_entry_choices()


class ProposeForm(EnterpriseFields, EntryFields, Form):
    """A new enterprise and its whitelist entry in one go, or an entry for an enterprise already on file."""

    # Set when proposing an enterprise already on file (from its page, or a duplicate the user picked).
    enterprise_id = HiddenField()
    confirm_new = BooleanField(_l("It is a different enterprise: create a new record"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_enterprise_choices()
        self.init_entry_choices()
        # The enterprise on file that `enterprise_id` names, as the view resolved it for the user (None: none, or
        # one they may not propose). Set before validating.
        self.existing = None

    def validate(self, extra_validators=None) -> bool:
        if self.enterprise_id.data and self.existing is None:
            # An id that is junk, unknown or not the user's to propose: say so, and keep the enterprise fields (a
            # name is then required) so nothing reads a field that is not there.
            super().validate(extra_validators)
            self.enterprise_id.errors = [
                _(
                    "The enterprise chosen is not on file or is not one you may propose. Fill in the "
                    "enterprise below, or pick one from the duplicate list."
                )
            ]
            return False
        if self.existing is not None:
            # Proposing an enterprise already on file: its fields are not part of this form.
            for name in (
                "name",
                "name_en",
                "uscc",
                "hq",
                "parent_name",
                "ent_industry_id",
                "website",
                "notes",
            ):
                del self[name]
        return super().validate(extra_validators)


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()


class FilterForm(Form):
    class Meta:
        csrf = False  # a GET search form

    q = StringField(_l("Search"), validators=[Optional(), Length(max=64)])
    region = QuickSelectField(_l("County"), coerce=int, validators=[Optional()])
    tag = QuickSelectField(_l("Category"), coerce=int, validators=[Optional()])
    industry = QuickSelectField(_l("Industry"), coerce=int, validators=[Optional()])
    state = QuickSelectField(_l("State"), validators=[Optional()])
    campaign = QuickSelectField(_l("Campaign"), validators=[Optional()])
    mode = QuickSelectField(_l("Promotion mode"), validators=[Optional()])
    conflict = BooleanField(_l("Only cross-county conflicts"))
    team = QuickSelectField(_l("Team"), coerce=int, validators=[Optional()])
    light = QuickSelectField(_l("Light"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything, unset = _("All"), _("Not filled in")
        self.region.choices = region_choices(blank=everything)
        self.tag.choices = tag_choices(blank=everything) + [(NONE, _("No category"))]
        self.industry.choices = industry_choices(blank=everything) + [(NONE, unset)]
        self.state.choices = [("", everything)] + list(STATE_LABELS.items())
        self.campaign.choices = [("", everything)] + list(CAMPAIGNS.items()) + [(NONE_CODE, unset)]
        self.mode.choices = [("", everything)] + list(MODES.items()) + [(NONE_CODE, unset)]
        self.teams = team_options()  # by name; the list page also offers the active ones for bulk assignment
        self.team.choices = (
            [(0, everything)] + [(t.id, t.name) for t in self.teams] + [(NONE, _("No team yet"))]
        )
        self.light.choices = [("", everything), ("red", LIGHTS["red"]), ("yellow", LIGHTS["yellow"])]


# The list's optional columns, in their order (the enterprise's name is always shown). `?col=` names the ones to
# show (the filter form sends `col=name` too, so that unticking them all is a choice); without it, all of them.
COLUMNS = ("region", "state", "team", "industry", "categories", "investment", "priority", "changed")


def columns_from(args) -> tuple[str, ...]:
    """The columns the query string asks for; unknown names are ignored."""
    asked = args.getlist("col")
    return tuple(c for c in COLUMNS if c in asked) if asked else COLUMNS


def filters_from(form: FilterForm) -> Filters:
    """The list filters the user asked for; a field that failed validation (junk, unknown id) is ignored."""

    def value(field, default):
        return default if field.errors or not field.data else field.data

    return Filters(
        q=value(form.q, ""), region=value(form.region, 0), tag=value(form.tag, 0), industry=value(form.industry, 0),
        state=value(form.state, ""), campaign=value(form.campaign, ""), mode=value(form.mode, ""),
        conflict=bool(form.conflict.data), team=value(form.team, 0), light=value(form.light, ""),
        drill=drill_from(request.args), sort=request.args.get("sort", "updated"),
    )  # fmt: skip


def _day(raw: str | None) -> date | None:
    try:
        day = date.fromisoformat(raw or "")
    except ValueError:
        return None
    return day if sane_date(day) else None


def drill_from(args) -> Drill:
    """The dashboard's drill-down filters from the query string; unknown values are ignored, never a 500."""

    def pick(name: str, allowed) -> str:
        value = args.get(name, "")
        return value if value in allowed else ""

    return Drill(
        phase=pick("phase", PHASES),
        milestone=pick("milestone", MILESTONES),
        period_from=_day(args.get("from")),
        period_to=_day(args.get("to")),
        min_investment=parse_int(args.get("min_investment"), 0, maximum=10**9) or 0,
        flag=pick("flag", FLAGS),
        chain=args.get("chain") == "1",
        reached=pick("reached", MILESTONE_DATES),
        escalated=args.get("escalated") == "1",
    )
