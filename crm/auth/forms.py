from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from crm.formbase import Form


class LoginForm(Form):
    username = StringField(
        _l("User name"), validators=[DataRequired(), Length(max=64)], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class TokenForm(Form):
    """A new personal API token: a name to recognise it by, and how long it lives."""

    name = StringField(_l("Name (what will use it)"), validators=[DataRequired(), Length(max=64)])
    days = SelectField(_l("Valid for"), coerce=int, default=90,
                       choices=[(30, _l("30 days")), (90, _l("90 days")), (365, _l("One year")),
                                (0, _l("Until revoked"))])  # fmt: skip


class PasswordForm(Form):
    """The user's own new password: the current one first, then the new one twice."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})  # fmt: skip
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)],
                        render_kw={"autocomplete": "new-password"})  # fmt: skip
    confirm = PasswordField(_l("New password again"), validators=[DataRequired(), EqualTo("new", _l("The two new passwords differ."))],
                            render_kw={"autocomplete": "new-password"})  # fmt: skip
