"""Form widgets the long forms share."""

from typing import Any

from markupsafe import Markup, escape
from wtforms.fields.choices import Choice
from wtforms.widgets import Select


class QuickSelect(Select):
    """WTForms' Select writing each plain option (no attributes of its own) directly, with the same HTML.

    The whitelist's filter row renders about 300 options per request (industries, teams, counties, categories);
    WTForms builds an attribute dict and calls html_params for each, which was a third of the list page's Python
    time at 100,000 entries. Options with attributes of their own keep WTForms' path."""

    @classmethod
    def render_option(cls, choice: Choice, **kwargs: Any) -> Markup:
        value = choice.value
        if kwargs or choice.render_kw or value is None or isinstance(value, bool):
            return super().render_option(choice, **kwargs)
        label = escape(choice.label or value)
        selected = "selected " if choice.selected else ""  # html_params writes attributes sorted by name
        return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')
