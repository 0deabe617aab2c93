"""Forms of the plans feature: the contact log (the phone screen), stage evidence, funds, steps, holidays."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    widgets,
)  # fmt: skip
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from crm.formbase import Form
from crm.parsing import SaneDate
from crm.vocab import CONTACT_KINDS, EVIDENCE_LABELS, STEP_OWNER_ROLES
from crm.widgets import QuickCheckboxes

REQUIRED = _l("This field is required.")


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes: easier than a multi-select on a phone."""

    widget = QuickCheckboxes()  # WTForms' ListWidget(prefix_label=False), written faster (crm.widgets)
    option_widget = widgets.CheckboxInput()


class LogForm(Form):
    occurred_on = DateField(_l("Date"), validators=[DataRequired(message=REQUIRED), SaneDate()])
    occurred_time = TimeField(_l("Time"), validators=[Optional()])
    kind = SelectField(_l("Type"), choices=list(CONTACT_KINDS.items()))
    participants = CheckboxesField(_l("Our participants"), coerce=int, validators=[Optional()])
    contacts = CheckboxesField(_l("The enterprise's people"), coerce=int, validators=[Optional()])
    new_contact_name = StringField(_l("Someone new: name"), validators=[Optional(), Length(max=64)])
    new_contact_title = StringField(_l("Their position"), validators=[Optional(), Length(max=64)])
    summary = TextAreaField(
        _l("What was discussed"), validators=[DataRequired(message=REQUIRED), Length(max=4000)]
    )
    outcome = TextAreaField(_l("Outcome"), validators=[Optional(), Length(max=2000)])
    next_step = StringField(_l("Next step"), validators=[Optional(), Length(max=200)])
    next_date = DateField(_l("Next step by"), validators=[Optional(), SaneDate()])
    complete_task = SelectField(_l("This contact completes"), coerce=int, validators=[Optional()])
    attachment = FileField(_l("Attachment (PDF, picture or Office file, up to 5 MB)"))

    def set_choices(self, entry, open_tasks) -> None:
        self.participants.choices = [(p.id, p.full_name) for p in entry.team.people]
        self.contacts.choices = [
            (c.id, f"{c.name}（{c.title}）" if c.title else c.name) for c in entry.enterprise.contacts
        ]
        self.complete_task.choices = [(0, _("— nothing in the plan —"))] + [
            (t.id, f"{t.title}（{t.due_date.isoformat()}）") for t in open_tasks
        ]


class StageForm(Form):
    target = HiddenField()
    on = DateField(_l("Date"), validators=[Optional(), SaneDate()])
    amount = IntegerField(
        _l("Contract amount (10,000 yuan)"), validators=[Optional(), NumberRange(min=1, max=10**9)]
    )
    uscc = StringField(_l("Credit code of the local entity"), validators=[Optional(), Length(max=64)])
    version = HiddenField()


class FundsForm(Form):
    arrived_on = DateField(_l("Arrived on"), validators=[DataRequired(message=REQUIRED), SaneDate()])
    fixed_amount = IntegerField(_l("Fixed-asset investment (10,000 yuan)"), default=0,
                                validators=[Optional(), NumberRange(min=0, max=10**9)])  # fmt: skip
    other_amount = IntegerField(_l("Other funds (10,000 yuan)"), default=0,
                                validators=[Optional(), NumberRange(min=0, max=10**9)])  # fmt: skip
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class StepForm(Form):
    title = StringField(_l("Step"), validators=[DataRequired(message=REQUIRED), Length(max=200)])
    due_date = DateField(_l("Due"), validators=[DataRequired(message=REQUIRED), SaneDate()])
    evidence = SelectField(_l("Completed by"), choices=list(EVIDENCE_LABELS.items()))
    owner_id = SelectField(_l("Owner"), coerce=int)
    version = HiddenField()


class HolidayForm(Form):
    day = DateField(_l("Date"), validators=[DataRequired(message=REQUIRED), SaneDate()])
    is_workday = BooleanField(_l("A make-up working day (调休上班)"))
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=64)])


class TemplateStepForm(Form):
    name = StringField(_l("Step"), validators=[DataRequired(message=REQUIRED), Length(max=64)])
    offset_workdays = IntegerField(
        _l("Working days after the start"),
        validators=[InputRequired(message=REQUIRED), NumberRange(min=0, max=400)],
    )
    owner_role = SelectField(_l("Owner"), choices=list(STEP_OWNER_ROLES.items()))
    evidence = SelectField(_l("Completed by"), choices=list(EVIDENCE_LABELS.items()))
    sort = IntegerField(_l("Sort order"), default=0, validators=[Optional(), NumberRange(min=0, max=1000)])


class HolidayYearForm(Form):
    year = IntegerField(
        _l("Year"), validators=[InputRequired(message=REQUIRED), NumberRange(min=2000, max=2100)]
    )
    note = StringField(_l("Note (e.g. the notice's number)"), validators=[Optional(), Length(max=200)])
