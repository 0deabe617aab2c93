"""Single-line fields hold one line, whatever the way in: every web form is built on crm.formbase.Form (its
StringFields drop control characters, line breaks and bidi overrides before validation), the import reads every
cell but notes as one line, and the API's name-like fields do the same. Lengths match the columns they fill, and
an error quotes at most a short piece of what was typed."""

import importlib
import io
import pkgutil

from flask_wtf import FlaskForm
from openpyxl import Workbook
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import Length

import crm
from crm.auth.models import User
from crm.chains.models import Chain, ChainLink, ChainNode
from crm.enterprises.models import Contact, Enterprise
from crm.extensions import db
from crm.formbase import Form
from crm.plans.models import Holiday, TemplateStep
from crm.projects.models import Project
from crm.refdata.models import CategoryTag, Industry, Region
from crm.saved_views.models import SavedView
from crm.teams.models import Team
from tests.conftest import region

HOSTILE = "聊城\r\n示例\u202e精工\u2028机械\t有限公司\x7f"


def all_form_classes() -> set[type]:
    for module in pkgutil.walk_packages(crm.__path__, "crm."):
        importlib.import_module(module.name)

    def below(cls: type):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return {cls for cls in below(FlaskForm) if cls.__module__.startswith("crm.")}


def text_fields(form_class: type):
    for name in dir(form_class):
        unbound = getattr(form_class, name)
        field_class = getattr(unbound, "field_class", None)
        if isinstance(field_class, type) and issubclass(field_class, StringField):
            yield name, unbound


def parses(field_class: type) -> bool:
    """A field that reads its text into a value of its own (MoneyField): bounded where it parses."""
    return field_class.process_formdata is not StringField.process_formdata


def test_every_form_in_the_app_is_built_on_the_single_line_base(app):
    forms = all_form_classes()
    assert len(forms) > 40
    assert not [f.__qualname__ for f in forms if not issubclass(f, Form)]


def test_a_single_line_field_drops_breaks_and_overrides_and_a_text_area_keeps_lines(app):
    class Probe(Form):
        class Meta:
            csrf = False

        name = StringField()
        hidden = HiddenField()
        notes = TextAreaField()
        secret = PasswordField()

    data = MultiDict(
        {"name": HOSTILE, "hidden": "1\n2", "notes": "第一行\r\n第二\u202e行\x1b", "secret": " a\tb "}
    )
    with app.test_request_context():
        form = Probe(formdata=data)
    assert form.name.data == "聊城  示例精工机械 有限公司"
    assert form.hidden.data == "1\n2"  # hidden values are checked whole by their readers (a return address)
    assert form.notes.data == "第一行\r\n第二行"
    assert form.secret.data == " a\tb "  # a password is checked as typed


# Fields that fill a column of the same name: their Length must not let through more than the column holds.
COLUMNS = {
    ("TeamForm", "name"): Team.name, ("TeamForm", "senior_leader"): Team.senior_leader,
    ("TeamForm", "webhook_url"): Team.webhook_url, ("ContactForm", "name"): Contact.name,
    ("ContactForm", "title"): Contact.title, ("ContactForm", "phone"): Contact.phone,
    ("ContactForm", "email"): Contact.email, ("EnterpriseForm", "name"): Enterprise.name,
    ("EnterpriseForm", "name_en"): Enterprise.name_en, ("EnterpriseForm", "hq"): Enterprise.hq,
    ("EnterpriseForm", "website"): Enterprise.website, ("ProposeForm", "name"): Enterprise.name,
    ("ChainForm", "name"): Chain.name, ("ChainForm", "lead_department"): Chain.lead_department,
    ("LinkForm", "name"): ChainLink.name, ("NodeForm", "name"): ChainNode.name, ("FirmForm", "name"): Enterprise.name,
    ("ProjectForm", "name"): Project.name, ("SaveViewForm", "name"): SavedView.name,
    ("EditViewForm", "name"): SavedView.name, ("RegionForm", "name"): Region.name, ("RegionForm", "code"): Region.code,
    ("TagForm", "name"): CategoryTag.name, ("TagForm", "code"): CategoryTag.code,
    ("IndustryForm", "name"): Industry.name, ("HolidayForm", "name"): Holiday.name,
    ("TemplateStepForm", "name"): TemplateStep.name, ("UserForm", "username"): User.username,
    ("UserForm", "full_name"): User.full_name, ("UserForm", "phone"): User.phone, ("UserForm", "email"): User.email,
}  # fmt: skip


def test_every_typed_text_field_has_a_length_and_it_fits_its_column(app):
    missing, too_long, checked = [], [], set()
    for form_class in all_form_classes():
        for name, unbound in text_fields(form_class):
            if issubclass(unbound.field_class, (HiddenField, PasswordField)) or parses(unbound.field_class):
                continue  # ids and versions and amounts (parsed bounded), and passwords checked as a whole
            validators = unbound.kwargs.get("validators") or []
            limits = [v.max for v in validators if isinstance(v, Length) and v.max and v.max > 0]
            if not limits:
                missing.append(f"{form_class.__name__}.{name}")
                continue
            column = COLUMNS.get((form_class.__name__, name))
            if column is not None:
                checked.add((form_class.__name__, name))
                if limits[0] > column.type.length:
                    too_long.append(f"{form_class.__name__}.{name}: {limits[0]} > {column.type.length}")
    assert not missing and not too_long, (missing, too_long)
    assert checked == set(COLUMNS)  # every pair above still exists


def test_a_name_typed_with_breaks_is_stored_on_one_line_through_the_propose_form(client, make_user, login):
    login(make_user("member", "371502"))
    form = {"name": HOSTILE, "region_id": str(region("371502").id), "priority": "2", "hq": "山东\r\n聊城"}
    assert client.post("/whitelist/propose", data=form).status_code == 302
    enterprise = db.session.scalar(select(Enterprise))
    assert enterprise.name == "聊城  示例精工机械 有限公司" and enterprise.hq == "山东  聊城"
    # what was checked for duplicates is what was stored: the same name typed cleanly is the same enterprise
    again = client.post("/whitelist/propose", data=form | {"name": "聊城  示例精工机械 有限公司"})
    assert again.status_code == 200 and db.session.scalar(select(func.count()).select_from(Enterprise)) == 1


def test_the_parent_name_error_quotes_a_short_piece_of_what_was_typed(
    client, make_user, make_enterprise, login
):
    lead = make_user("lead", "371502")
    enterprise = make_enterprise(lead, name="鸿远示范新材料有限公司")
    db.session.commit()
    login(lead)
    base = {"name": enterprise.name, "version": enterprise.version, "ent_industry_id": "0"}
    huge = "甲" * 10_000
    page = client.post(f"/enterprises/{enterprise.id}/edit", data=base | {"parent_name": huge}).data.decode()
    assert "128" in page  # the length error
    assert page.count(huge) == 1  # the field keeps what was typed; no error repeats it
    unknown = "乙" * 100
    page = client.post(
        f"/enterprises/{enterprise.id}/edit", data=base | {"parent_name": unknown}
    ).data.decode()
    assert page.count(unknown) == 1 and "乙" * 39 + "…" in page


def test_an_import_reads_names_as_one_line_and_keeps_the_notes_lines(make_user, login):
    head = make_user("county_head", "371502")
    client = login(head)
    book = Workbook()
    book.active.append(["企业名称", "目标县(市、区)", "备注", "总部所在地"])
    book.active.append([HOSTILE, "东昌府区", "第一行\n第二行\u202e", "山东\n聊城"])
    out = io.BytesIO()
    book.save(out)
    response = client.post("/imports/", data={"kind": "enterprises", "file": (io.BytesIO(out.getvalue()), "名单.xlsx")},
                           content_type="multipart/form-data")  # fmt: skip
    location = response.headers["Location"]
    assert client.post(location, data={"confirm": "1"}).status_code == 302
    enterprise = db.session.scalar(select(Enterprise))
    assert enterprise.name == "聊城  示例精工机械 有限公司"
    assert enterprise.notes == "第一行\n第二行" and enterprise.hq == "山东 聊城"
