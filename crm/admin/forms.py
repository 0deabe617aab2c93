"""Forms for the reference data an administrator keeps."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms.validators import AnyOf, DataRequired, Email, Length, NumberRange, Optional, Regexp

from crm.auth.services import password_problem
from crm.formbase import Form
from crm.refdata.choices import industry_choices, region_choices, tag_choices
from crm.vocab import REGION_KINDS, ROLE_LABELS, TAG_GROUPS


class UserForm(Form):
    username = StringField(
        _l("User name"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, _ . - only.")),
        ],
    )
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"), choices=[(k.value, v) for k, v in ROLE_LABELS.items()])
    region_id = SelectField(_l("County / zone"), coerce=int)
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    email = StringField(
        _l("Email"), validators=[Optional(), Email(message=_l("Not a valid email address.")), Length(max=120)]
    )
    password = PasswordField(
        _l("Password"), validators=[Optional()], description=_l("Leave empty to keep the current password.")
    )
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, new: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.new = new
        self.region_id.choices = region_choices(blank=_("— city level —"))

    def validate_password(self, field) -> None:
        if self.new and not field.data:
            raise ValidationError(_("A new user needs a password."))
        problem = password_problem(field.data, self.username.data or "") if field.data else None
        if problem:
            raise ValidationError(problem)

    def validate_region_id(self, field) -> None:
        if self.role.data == "county_head" and not field.data:
            raise ValidationError(_("A county head needs a county."))


class RegionForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=16)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    kind = SelectField(_l("Kind"), choices=list(REGION_KINDS.items()))
    sort = IntegerField(
        _l("Sort order"), default=0, validators=[Optional(), NumberRange(min=-10000, max=10000)]
    )
    active = BooleanField(_l("Active"), default=True)


GROUP_FLAGS = _l(
    "A group's flags follow its sub-industries: set only when every active sub-industry has them."
)


class IndustryForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    parent_id = SelectField(_l("Parent"), coerce=int)
    is_manufacturing = BooleanField(_l("Manufacturing"), description=GROUP_FLAGS)
    is_emerging = BooleanField(_l("Strategic emerging / future industry"), description=GROUP_FLAGS)
    sort = IntegerField(
        _l("Sort order"), default=0, validators=[Optional(), NumberRange(min=-10000, max=10000)]
    )
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent_id.choices = industry_choices(blank=_("— top level —"))


class TagForm(Form):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=32),
            Regexp(r"^[a-z0-9_]+$", message=_l("Lower-case letters, digits and _ only.")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    group = SelectField(_l("Group"), choices=list(TAG_GROUPS.items()))
    has_rank = BooleanField(_l("Has a rank and list year (500强 lists)"))
    sort = IntegerField(
        _l("Sort order"), default=0, validators=[Optional(), NumberRange(min=-10000, max=10000)]
    )
    active = BooleanField(_l("Active"), default=True)


class AliasForm(Form):
    """Another spelling for a county/zone (kind "region") or a category (kind "category")."""

    kind = HiddenField(validators=[DataRequired(), AnyOf(["region", "category"])])
    alias = StringField(_l("Other spelling"), validators=[DataRequired(), Length(max=64)])
    target_id = SelectField(_l("Means"), coerce=int)

    def __init__(self, *args, kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        kind = kind or self.kind.data
        self.kind.data = kind
        self.target_id.choices = region_choices() if kind == "region" else tag_choices()
