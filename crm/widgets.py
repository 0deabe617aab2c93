"""Form widgets the long forms share."""

from typing import Any

from markupsafe import Markup, escape
from wtforms.fields import SelectField, SelectMultipleField
from wtforms.fields.choices import Choice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, Select, html_params

# WTForms' own message, looked up in WTForms' catalogue by the field's gettext (not ours: a literal here would be
# extracted into our catalogue as a message of our own).
INVALID_CHOICE = "Not a valid choice."


def _pairs(choices: object) -> list[tuple[Any, Any]] | None:
    """`choices` when it is a flat list of (value, label) pairs (what the long selects use), else None."""
    if not isinstance(choices, list):
        return None
    for choice in choices:
        if type(choice) is not tuple or len(choice) != 2:
            return None
    return choices


class QuickSelect(Select):
    """WTForms' Select writing plain options directly, with the same HTML.

    The whitelist's filter row renders some 900 options per request at city scale (industries, teams, counties,
    categories); WTForms builds two or three objects per option and per pass (has_groups, the options) and an
    attribute dict per option. A QuickSelectField's flat (value, label) pairs are written straight from the list;
    options with attributes of their own, groups and other fields keep WTForms' path."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        pairs = _pairs(field.choices) if isinstance(field, QuickSelectField) and not self.multiple else None
        if pairs is None:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for key in dir(flags):
            if key in self.validation_attrs and key not in kwargs:
                kwargs[key] = getattr(flags, key)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        data, coerce = field.data, field.coerce
        for value, label in pairs:
            if value is None or isinstance(value, bool):  # WTForms writes these its own way
                html.append(self.render_option(Choice(value, label, coerce(value) == data)))
                continue
            selected = "selected " if coerce(value) == data else ""  # html_params writes attributes by name
            html.append(f'<option {selected}value="{escape(value)}">{escape(label or value)}</option>')
        html.append("</select>")
        return Markup("".join(html))

    @classmethod
    def render_option(cls, choice: Choice, **kwargs: Any) -> Markup:
        value = choice.value
        if kwargs or choice.render_kw or value is None or isinstance(value, bool):
            return super().render_option(choice, **kwargs)
        label = escape(choice.label or value)
        selected = "selected " if choice.selected else ""  # html_params writes attributes sorted by name
        return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')


class QuickSelectField(SelectField):
    """A SelectField for long flat lists of (value, label) pairs: it checks the submitted value and renders the
    options (QuickSelect) from the pairs themselves, without WTForms' per-option objects; same rules, same HTML."""

    widget = QuickSelect()

    def pre_validate(self, form: Any) -> None:
        pairs = _pairs(self.choices)
        if pairs is None or self.process_errors or not self.validate_choice:
            return super().pre_validate(form)
        coerce, data = self.coerce, self.data
        if not any(coerce(value) == data for value, _label in pairs):  # WTForms' own test of "selected"
            raise ValidationError(self.invalid_choice_message or self.gettext(INVALID_CHOICE))


class QuickCheckboxes(ListWidget):
    """WTForms' ListWidget of checkboxes (label after each box) writing each option directly, with the same HTML.

    WTForms makes every option a field of its own (validators, flags, a label object) and writes it through
    html_params and a Markup format: the contact log's people were some 40 % of its form's rendering on a phone.
    A flat list of (value, label) pairs on a field that is neither required nor disabled and has no render_kw is
    written straight from the list; anything else keeps WTForms' path."""

    def __init__(self) -> None:
        super().__init__(prefix_label=False)

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        pairs = _pairs(field.choices) if isinstance(field, SelectMultipleField) else None
        flags = getattr(field, "flags", None)
        if (
            pairs is None
            or type(field.option_widget) is not CheckboxInput
            or field.render_kw
            or (flags is not None and (flags.required or flags.disabled))
            or any(value is None or isinstance(value, bool) for value, _label in pairs)
        ):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        html = [f"<{self.html_tag} {html_params(**kwargs)}>"]
        data, coerce, name = field.data or (), field.coerce, escape(field.name)
        for i, (value, label) in enumerate(pairs):
            box = escape(f"{field.id}-{i}")
            checked = "checked " if coerce(value) in data else ""  # html_params writes attributes by name
            html.append(
                f'<li><input {checked}id="{box}" name="{name}" type="checkbox" value="{escape(str(value))}">'
                f' <label for="{box}">{escape(label or value)}</label></li>'
            )
        html.append(f"</{self.html_tag}>")
        return Markup("".join(html))
