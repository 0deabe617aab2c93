"""Forms of 领导批示: writing one, and the text of a step (a report, a reason for returning, a closing note)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from crm.formbase import Form
from crm.instructions.models import ACTION
from crm.instructions.services import REASON_LIMIT, TEXT_LIMIT, InstructionData
from crm.parsing import SaneDate
from crm.vocab import INSTRUCTION_KINDS

REQUIRED = _l("This field is required.")


class InstructionForm(Form):
    kind = RadioField(_l("Kind"), choices=list(INSTRUCTION_KINDS.items()), default=ACTION,
                      validators=[DataRequired(message=REQUIRED)])  # fmt: skip
    due_date = DateField(_l("To be done by"), validators=[Optional(), SaneDate()])
    text = TextAreaField(
        _l("Instruction"), validators=[DataRequired(message=REQUIRED), Length(max=TEXT_LIMIT)]
    )

    def validate_due_date(self, field) -> None:
        if self.kind.data == ACTION and field.data is None and not field.errors:
            raise ValidationError(_("A 批办 needs a due date."))

    def data_for_service(self) -> InstructionData:
        return InstructionData(kind=self.kind.data, text=self.text.data or "", due_date=self.due_date.data)


class StepForm(Form):
    """One form for every step: `text` is the report (反馈), `reason` the reason for returning or a closing note."""

    text = TextAreaField(_l("What was done"), validators=[Optional(), Length(max=TEXT_LIMIT)])
    reason = StringField(_l("Reason or note"), validators=[Optional(), Length(max=REASON_LIMIT)])
    version = HiddenField()
