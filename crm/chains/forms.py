"""Chain, link, node and local-firm forms."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.auth.models import User
from crm.chains.models import FIRM_ROLES, Chain
from crm.chains.services import ROLE_LABELS, ChainData, NodeData
from crm.extensions import db
from crm.formbase import Form
from crm.refdata.choices import industry_choices, region_choices
from crm.vocab import Role


class ChainForm(Form):
    name = StringField(
        _l("Chain name"), validators=[DataRequired(message=_l("A chain needs a name.")), Length(max=64)]
    )
    chief_id = SelectField(_l("Chain chief (链长)"), coerce=int, validators=[Optional()])
    lead_department = StringField(_l("Lead department"), validators=[Optional(), Length(max=64)],
                                  description=_l("牵头部门, e.g. 市工信局"))  # fmt: skip
    region_ids = SelectMultipleField(_l("Counties that carry the chain"), coerce=int, validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    active = BooleanField(_l("Active"), default=True)
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        managers = (
            select(User)
            .where(User.role == Role.MANAGER, User.is_active_flag.is_(True))
            .order_by(User.full_name)
        )
        self.chief_id.choices = [(0, _("— not set —"))] + [
            (u.id, u.full_name) for u in db.session.scalars(managers)
        ]
        self.region_ids.choices = region_choices()

    def fill(self, chain: Chain) -> None:
        self.name.data, self.chief_id.data = chain.name, chain.chief_id or 0
        self.lead_department.data, self.description.data = chain.lead_department, chain.description
        self.region_ids.data, self.active.data, self.version.data = (
            chain.region_ids,
            chain.active,
            chain.version,
        )

    def data_object(self) -> ChainData:
        return ChainData(name=self.name.data, description=self.description.data, chief_id=self.chief_id.data or None,
                         lead_department=self.lead_department.data, region_ids=list(self.region_ids.data or []),
                         active=self.active.data)  # fmt: skip


class LinkForm(Form):
    name = StringField(_l("Link"), validators=[DataRequired(message=_l("A link needs a name.")), Length(max=64)],
                       description=_l("上游, 中游, 下游 or a named segment"))  # fmt: skip


class NodeForm(Form):
    name = StringField(_l("Node"), validators=[DataRequired(message=_l("A node needs a name.")), Length(max=64)],
                       description=_l("A product or capability, e.g. 铝板带箔"))  # fmt: skip
    link_id = SelectField(_l("Link"), coerce=int, validators=[DataRequired(message=_l("Choose a link."))])
    industry_id = SelectField(_l("Industry"), coerce=int, validators=[Optional()],
                              description=_l("Candidates for the node are looked for in this industry."))  # fmt: skip
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])

    def __init__(self, chain: Chain, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.link_id.choices = [(link.id, link.name) for link in chain.links]
        self.industry_id.choices = industry_choices(blank=_("— not set —"))

    def data_object(self) -> NodeData:
        return NodeData(name=self.name.data, link_id=self.link_id.data, industry_id=self.industry_id.data or None,
                        description=self.description.data)  # fmt: skip


class FirmForm(Form):
    """A local firm on a node: an enterprise on file (by name or credit code) or a new 本地企业."""

    name = StringField(_l("Local firm"), validators=[DataRequired(message=_l("Enter the firm's name.")), Length(max=128)],
                       description=_l("Its full name; a firm already on file is reused."))  # fmt: skip
    region_id = SelectField(
        _l("County"), coerce=int, validators=[DataRequired(message=_l("Choose a county."))]
    )
    role = SelectField(_l("Role on the chain"), default="supplier")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_id.choices = region_choices(blank=_("— choose —"))
        self.role.choices = [(r, str(ROLE_LABELS[r])) for r in FIRM_ROLES]
