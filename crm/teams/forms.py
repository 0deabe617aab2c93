"""Team, membership, assignment and reassignment forms."""

import json

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from crm.auth.models import User
from crm.extensions import db
from crm.formbase import Form
from crm.refdata.choices import industry_choices, region_choices
from crm.refdata.models import Region
from crm.teams.models import Team
from crm.teams.services import TeamData
from crm.vocab import ROLE_LABELS, Role
from crm.widgets import QuickSelectField


def _people(roles: tuple) -> list[tuple[int, str]]:
    """Everyone active in `roles` as (id, "name（role，county）"), read as plain columns: a city has a thousand."""
    query = (
        select(User.id, User.full_name, User.role, Region.name)
        .outerjoin(Region, Region.id == User.region_id)
        .where(User.role.in_(roles), User.is_active_flag.is_(True))
        .order_by(User.full_name)
    )
    labels = {role: str(ROLE_LABELS[Role(role)]) for role in roles}  # translated once, not once per person
    return [
        (uid, f"{name}（{labels[role]}{'，' + county if county else ''}）")
        for uid, name, role, county in db.session.execute(query)
    ]


class TeamForm(Form):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=64)])
    region_id = SelectField(_l("County"), coerce=int)
    leader_id = SelectField(
        _l("Team leader"), coerce=int, validators=[DataRequired(message=_l("Choose a leader."))]
    )
    senior_leader = StringField(
        _l("Accountable senior leader"), validators=[Optional(), Length(max=64)],
        description=_l("包保领导: name and post, e.g. 李副市长"),
    )  # fmt: skip
    capacity = IntegerField(
        _l("Capacity (most active targets)"),
        validators=[Optional(), NumberRange(min=1, max=1000, message=_l("A whole number from 1 to 1000."))],
        description=_l("Leave empty for no limit."),
    )
    industry_ids = SelectMultipleField(_l("Industry focus"), coerce=int, validators=[Optional()])
    webhook_url = StringField(
        _l("Group robot webhook"),
        validators=[
            Optional(),
            Length(max=300),
            Regexp(r"^https?://", message=_l("Start with http:// or https://.")),
        ],
        description=_l(
            "The 企业微信 or 钉钉 group robot address that receives the team's reminders (optional)."
        ),
    )
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_id.choices = region_choices(blank=_("— city-wide —"))
        self.leader_id.choices = [(0, _("— choose —"))] + _people((Role.LEAD, Role.MANAGER))
        self.industry_ids.choices = industry_choices()

    def data_object(self) -> TeamData:
        return TeamData(
            name=self.name.data.strip(), leader_id=self.leader_id.data, region_id=self.region_id.data or None,
            senior_leader=(self.senior_leader.data or "").strip() or None, capacity=self.capacity.data,
            active=self.active.data, industry_ids=self.industry_ids.data or [],
            webhook_url=(self.webhook_url.data or "").strip() or None,
        )  # fmt: skip

    def fill(self, team: Team) -> None:
        for name in ("name", "leader_id", "senior_leader", "capacity", "active", "webhook_url"):
            getattr(self, name).data = getattr(team, name)
        self.region_id.data = team.region_id or 0
        self.industry_ids.data = [i.id for i in team.industries]


class MemberForm(Form):
    user_id = QuickSelectField(  # every member and lead of the city: hundreds of options, written directly
        _l("Add a member"), coerce=int, validators=[DataRequired(message=_l("Choose a person."))]
    )

    def __init__(self, team: Team, *args, **kwargs):
        super().__init__(*args, **kwargs)
        present = {p.id for p in team.people}
        self.user_id.choices = [(0, _("— choose —"))] + [
            (uid, label) for uid, label in _people((Role.MEMBER, Role.LEAD)) if uid not in present
        ]


class AssignForm(Form):
    """Pick a team (ranked suggestions) and optionally an owner in it; the leader owns it by default.

    The owner list holds the chosen team's people only (issue 19: it mixed every suggested team's members, the lead
    twice, and a wrong pick failed only after submit). A small script (static/js/app.js, from `data-owners`) swaps
    the list when another team is chosen; without it, an owner from another team is refused here with a message,
    and the page comes back with what was typed and the chosen team's people listed."""

    team_id = RadioField(_l("Team"), coerce=int, validators=[DataRequired(message=_l("Choose a team."))])
    owner_id = SelectField(_l("Primary owner"), coerce=int, validators=[Optional()])
    version = HiddenField()

    def __init__(self, suggestions, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_id.choices = [(s.team.id, s.team.name) for s in suggestions]
        self.teams = {s.team.id: s.team for s in suggestions}
        # Every owner any suggested team allows (what a submitted value is checked against) …
        self.owner_id.choices = [(0, _("The team leader"))] + [
            (p.id, p.full_name) for t in self.teams.values() for p in t.people if p.id != t.leader_id
        ]
        self.owner_id.render_kw = {
            "data-team-field": "team_id",
            "data-owners": json.dumps(
                {t.id: self._owners(t) for t in self.teams.values()}, ensure_ascii=False
            ),
        }

    @staticmethod
    def _owners(team: Team) -> list[tuple[int, str]]:
        leader = _("The team leader (%(name)s)", name=team.leader.full_name)
        return [(0, leader)] + [(p.id, p.full_name) for p in team.people if p.id != team.leader_id]

    def narrow_owners(self) -> None:
        """… and what the page lists: the chosen team's people (the leader once), before it is rendered."""
        team = self.teams.get(self.team_id.data) if self.team_id.data else None
        self.owner_id.choices = self._owners(team) if team else [(0, _("The team leader"))]

    def validate_owner_id(self, field: SelectField) -> None:
        team = self.teams.get(self.team_id.data) if self.team_id.data else None
        if team is not None and field.data and field.data not in {p.id for p in team.people}:
            raise ValidationError(
                _(
                    "This person is not in team %(team)s: choose its leader or one of its members below.",
                    team=team.name,
                )
            )


class ReassignForm(AssignForm):
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(message=_l("Please give a reason.")), Length(max=2000)]
    )
    move_tasks = BooleanField(_l("Move the open tasks to the new owner"), default=True)
