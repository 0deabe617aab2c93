"""The goals form."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, ValidationError
from wtforms.validators import InputRequired, NumberRange

from crm.dashboard.goals import GoalData
from crm.dashboard.models import YearGoal
from crm.formbase import Form


def _count(label, maximum: int = 100_000):
    return IntegerField(
        label,
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(
                min=0, max=maximum, message=_l("Enter a whole number from 0 to %(max)d.", max=maximum)
            ),
        ],
    )


class GoalForm(Form):
    signings_low = _count(_l("Signings in the 夺标争先 campaign: at least"), 1000)
    signings_high = _count(_l("Signings in the 夺标争先 campaign: up to"), 1000)
    funds_yi = _count(_l("Funds arrived (亿元)"), 1_000_000)
    big_projects = _count(_l("New projects of 1 亿元 or more that land"))
    manufacturing_pct = _count(_l("Manufacturing share of funds arrived, at least (%)"), 100)
    emerging_pct = _count(_l("Share of projects in emerging and future industries, above (%)"), 100)
    chain_per_county = _count(_l("National chain-leader or head firms per county, at least"), 100)
    mega_baseline = _count(_l("Projects of 50 亿元 or more last year (the goal is twice this)"), 10_000)
    version = HiddenField()

    def validate_signings_high(self, field) -> None:
        if (
            self.signings_low.data is not None
            and field.data is not None
            and field.data < self.signings_low.data
        ):
            raise ValidationError(_l("The upper goal cannot be below the lower goal."))

    def fill(self, goal: YearGoal) -> None:
        for name in ("signings_low", "signings_high", "big_projects", "manufacturing_pct", "emerging_pct",
                     "chain_per_county", "mega_baseline"):  # fmt: skip
            getattr(self, name).data = getattr(goal, name)
        self.funds_yi.data = goal.funds // 10000
        self.version.data = str(goal.version)

    def data_out(self) -> GoalData:
        return GoalData(
            signings_low=self.signings_low.data,
            signings_high=self.signings_high.data,
            funds=self.funds_yi.data * 10000,
            big_projects=self.big_projects.data,
            manufacturing_pct=self.manufacturing_pct.data,
            emerging_pct=self.emerging_pct.data,
            chain_per_county=self.chain_per_county.data,
            mega_baseline=self.mega_baseline.data,
        )
