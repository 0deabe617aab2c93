"""The base of every form here: single-line text fields hold one line.

A name with a line break broke the calendar export, and U+202E shows a name backwards. Every StringField (and its
kin: search, e-mail fields; not hidden ones) is filtered through `crm.parsing.one_line` before validation, so what
is checked (length, duplicates) is what is stored. Text areas keep their line breaks and tabs but lose other control characters
and bidi overrides (`crm.parsing.plain_lines`); passwords are checked as typed.
"""

from functools import lru_cache
from typing import Any

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.i18n import messages_path

from crm.parsing import one_line, plain_lines


def single_line(value: Any) -> Any:
    return one_line(value).strip() if isinstance(value, str) else value


def lines(value: Any) -> Any:
    return plain_lines(value) if isinstance(value, str) else value


def is_single_line(field_class: type) -> bool:
    """Fields people type one line into. Hidden fields are not cleaned: they carry ids, versions and return
    addresses that their readers check whole (crm.parsing.local_path refuses a target with a line break rather
    than send the user to the path that cleaning it would make)."""
    return issubclass(field_class, StringField) and not issubclass(
        field_class, (TextAreaField, PasswordField, HiddenField)
    )


@lru_cache(maxsize=8)
def wtforms_translations(locale: str) -> support.NullTranslations:
    """WTForms' own messages in `locale`, read once per process (flask-wtf reads the catalogue from disk again on
    every request that builds a form)."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form: FlaskForm) -> Any:
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)  # type: ignore[misc]
            return wtforms_translations(str(get_locale()))

        def bind_field(self, form: FlaskForm, unbound_field: UnboundField, options: dict[str, Any]) -> Any:
            cleaner = (
                single_line
                if is_single_line(unbound_field.field_class)
                else lines
                if issubclass(unbound_field.field_class, TextAreaField)
                else None
            )
            if cleaner is not None:
                options = {**options, "filters": (*unbound_field.kwargs.get("filters", ()), cleaner)}
            return super().bind_field(form, unbound_field, options)  # type: ignore[misc]
