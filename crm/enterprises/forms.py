"""Enterprise fields (shared with the propose form), the contact form and the category picker."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from wtforms import HiddenField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from crm.enterprises.models import Enterprise
from crm.enterprises.names import InvalidCreditCode, normalise_uscc, uscc_key
from crm.enterprises.services import CategoryChoice, EnterpriseData
from crm.extensions import db
from crm.formatting import short
from crm.formbase import Form
from crm.parsing import parse_int
from crm.refdata.choices import leaf_industry_choices, tags


class EnterpriseFields:
    """Fields describing an enterprise; mixed into EnterpriseForm and the propose form."""

    name = StringField(_l("Enterprise name (Chinese)"), validators=[DataRequired(), Length(max=128)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=200)])
    uscc = StringField(
        _l("Unified social credit code"),
        validators=[Optional(), Length(max=64)],
        description=_l("18 characters; leave empty for a foreign company without a Chinese entity."),
    )
    hq = StringField(_l("Headquarters"), validators=[Optional(), Length(max=128)])
    parent_name = StringField(
        _l("Group parent"),
        validators=[Optional(), Length(max=128)],
        description=_l("Name or credit code of the group's parent enterprise, if it is already on file."),
    )
    ent_industry_id = SelectField(_l("Industry of the enterprise"), coerce=int, validators=[Optional()])
    website = StringField(
        _l("Website"),
        validators=[
            Optional(),
            Length(max=200),
            Regexp(r"^https?://", message=_l("Start with http:// or https://.")),
        ],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])

    def init_enterprise_choices(self) -> None:
        self.ent_industry_id.choices = leaf_industry_choices(blank=_("— not set —"))

    def validate_uscc(self, field) -> None:
        try:
            field.data = normalise_uscc(field.data)
        except InvalidCreditCode as error:
            raise ValidationError(str(error)) from None

    def validate_parent_name(self, field) -> None:
        self.parent = None
        text = (field.data or "").strip()
        if not text or field.errors:  # too long: Length has said so, and the value is not echoed back
            return
        self.parent = db.session.scalar(
            select(Enterprise).where(or_(Enterprise.name == text, Enterprise.uscc == uscc_key(text))).limit(1)
        )
        if self.parent is None:
            raise ValidationError(
                _(
                    "No enterprise named %(name)s is on file; create the group parent first.",
                    name=short(text),
                )
            )

    def enterprise_data(self, categories: list[CategoryChoice]) -> EnterpriseData:
        return EnterpriseData(
            name=self.name.data.strip(),
            name_en=(self.name_en.data or "").strip() or None,
            uscc=self.uscc.data or None,
            hq=(self.hq.data or "").strip() or None,
            parent_id=parent.id if (parent := getattr(self, "parent", None)) else None,
            industry_id=self.ent_industry_id.data or None,
            website=(self.website.data or "").strip() or None,
            notes=(self.notes.data or "").strip() or None,
            categories=categories,
        )

    def fill_from_enterprise(self, enterprise: Enterprise) -> None:
        for name in ("name", "name_en", "uscc", "hq", "website", "notes"):
            getattr(self, name).data = getattr(enterprise, name)
        self.parent_name.data = enterprise.parent.name if enterprise.parent else ""
        self.ent_industry_id.data = enterprise.industry_id or 0


class EnterpriseForm(EnterpriseFields, Form):
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_enterprise_choices()


class ContactForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    title = StringField(_l("Position"), validators=[Optional(), Length(max=64)])
    phone = StringField(
        _l("Phone"),
        validators=[
            Optional(),
            Length(max=32),
            Regexp(r"^[0-9+\-() ]+$", message=_l("Digits, spaces and + - ( ) only.")),
        ],
    )
    email = StringField(
        _l("Email"), validators=[Optional(), Length(max=120), Email(message=_l("Not a valid email address."))]
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class CategoryPicker:
    """The category checkboxes, with rank and list year for the 500强 lists, read from raw form data.

    Field names are cat_<tag id>, rank_<tag id> and year_<tag id>; what the user typed is kept for re-display.
    """

    def __init__(self, formdata=None, enterprise: Enterprise | None = None):
        self.tags = tags()
        self.values: dict[int, dict] = {}
        self.errors: list[str] = []
        # Categories whose tag an administrator has since deactivated are not shown, and must not be lost.
        shown = {t.id for t in self.tags}
        self.hidden = [c for c in (enterprise.categories if enterprise else []) if c.tag_id not in shown]
        if formdata is not None:
            for tag in self.tags:
                if formdata.get(f"cat_{tag.id}"):
                    self.values[tag.id] = {
                        "rank": formdata.get(f"rank_{tag.id}", "").strip(),
                        "year": formdata.get(f"year_{tag.id}", "").strip(),
                    }
        elif enterprise is not None:
            for cat in enterprise.categories:
                self.values[cat.tag_id] = {"rank": cat.rank or "", "year": cat.list_year or ""}

    def validate(self) -> bool:
        for tag in self.tags:
            value = self.values.get(tag.id)
            if not value or not tag.has_rank:
                continue
            for key, low, high, label in (
                ("rank", 1, 100000, _("rank")),
                ("year", 1990, 2100, _("list year")),
            ):
                raw = str(value[key])
                number = parse_int(raw)
                if raw and (number is None or not low <= number <= high):
                    self.errors.append(
                        _(
                            "%(tag)s: the %(what)s must be a whole number from %(low)d to %(high)d.",
                            tag=tag.name,
                            what=label,
                            low=low,
                            high=high,
                        )
                    )
        return not self.errors

    def choices(self) -> list[CategoryChoice]:
        ranked = {t.id for t in self.tags if t.has_rank}
        chosen = [
            CategoryChoice(
                tag_id=tag_id,
                rank=parse_int(v["rank"]) if tag_id in ranked else None,
                list_year=parse_int(v["year"]) if tag_id in ranked else None,
            )
            for tag_id, v in self.values.items()
        ]
        return chosen + [CategoryChoice(c.tag_id, c.rank, c.list_year) for c in self.hidden]


class MergeForm(Form):
    """Confirming a merge: the duplicate, the versions both records had on the preview, and why."""

    duplicate_id = HiddenField()
    survivor_version = HiddenField()
    duplicate_version = HiddenField()
    reason = TextAreaField(
        _l("Why are these the same enterprise?"),
        validators=[DataRequired(message=_l("Please give a reason.")), Length(max=2000)],
        description=_l("Kept in the merge record and on the enterprise's history."),
    )
