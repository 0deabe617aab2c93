"""Saved-view forms, and the cleaning of a list's query string by the list's own parsing."""

from urllib.parse import parse_qsl, urlencode

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from crm.drill import query_args
from crm.formbase import Form
from crm.saved_views import services
from crm.saved_views.services import NAME_LENGTH, Sharing, sharing_choices
from crm.whitelist.forms import COLUMNS, FilterForm, columns_from, drill_from
from crm.whitelist.queries import SORTS

# The whitelist filter form's fields a view keeps (besides the drill-downs, the sort and the columns).
WHITELIST_FIELDS = ("q", "region", "tag", "industry", "state", "campaign", "mode", "team", "light")
QUERY_LENGTH = 2000


def clean_whitelist_query(raw: str) -> str:
    """The whitelist list's query string as the list itself reads it (FilterForm, drill_from, the sort and the
    columns), keeping only what is valid now: unknown arguments, ids that no longer exist or that the user cannot
    choose, junk, the page number and the view's own id are dropped."""
    args = MultiDict(parse_qsl((raw or "")[:QUERY_LENGTH], keep_blank_values=False))
    form = FilterForm(args)
    form.validate()
    return whitelist_query_of(form, args)


def whitelist_query_of(form: FilterForm, args) -> str:
    """The clean query string of a validated whitelist FilterForm and the arguments it was built from (the list
    page passes its own form: no second reading of the choices)."""
    pairs: list[tuple[str, str]] = []
    for name in WHITELIST_FIELDS:
        field = form[name]
        if not field.errors and field.data:
            pairs.append((name, str(field.data).strip()))
    if form.conflict.data:
        pairs.append(("conflict", "y"))
    pairs += [(k, str(v)) for k, v in query_args(drill_from(args)).items()]
    sort = args.get("sort", "")
    if sort in SORTS and sort != "updated":
        pairs.append(("sort", sort))
    columns = columns_from(args)
    if columns != COLUMNS:
        pairs += [("col", "name")] + [("col", c) for c in columns]
    return urlencode(pairs)


CLEANERS = {"whitelist": clean_whitelist_query}


def clean_query(list_key: str, raw: str) -> str:
    return CLEANERS[list_key](raw) if list_key in CLEANERS else ""


class SharingFields:
    sharing = SelectField(_l("Share with"), validators=[Optional()])
    locked = BooleanField(_l("Lock it: the others it is shared with use and copy it, but cannot change it"))

    def init_sharing(self, user, teams=None, current: Sharing | None = None) -> None:
        choices = sharing_choices(user, teams)
        self.sharing.choices = [(s.code, words) for s, words in choices]
        if current is not None and current.code not in {code for code, _w in self.sharing.choices}:
            # a view shared with a team the owner has left keeps its audience until changed
            self.sharing.choices.append((current.code, _l("As it is")))

    def chosen_sharing(self) -> Sharing:
        return Sharing.parse(self.sharing.data or "")


class SaveViewForm(SharingFields, Form):
    """Save the list as the user sees it under a name."""

    name = StringField(
        _l("View name"),
        validators=[DataRequired(message=_l("Give the view a name.")), Length(max=NAME_LENGTH)],
    )
    query = HiddenField()
    list_key = HiddenField(default="whitelist")


class EditViewForm(SharingFields, Form):
    """Rename a view; its owner also shares and locks it."""

    name = StringField(
        _l("View name"),
        validators=[DataRequired(message=_l("Give the view a name.")), Length(max=NAME_LENGTH)],
    )
    version = HiddenField()


class QueryForm(Form):
    """Save the list as the user sees it now into an existing view."""

    query = HiddenField()
    version = HiddenField()


class PinForm(Form):
    pinned = HiddenField()
    back = HiddenField()


def list_bar(user, list_key: str, query: str, view_arg: str | None, teams=None) -> dict:
    """What a list page's saved-view bar shows: the views the user may open (own first), the one open now (the
    list's `?view=`), whether they may save into it, and the form that saves `query` (the list as it is now,
    cleaned)."""
    views = services.available_views(user, list_key)
    current = next((v for v in views if str(v.id) == (view_arg or "")), None)
    form = SaveViewForm(formdata=None, query=query, list_key=list_key)
    form.init_sharing(user, teams)
    return {
        "saved_views": views,
        "current_view": current,
        "may_save_into": current is not None and services.may_change(user, current),
        "save_view_form": form,
        "query_form": QueryForm(formdata=None, query=query, version=current.version if current else ""),
    }
