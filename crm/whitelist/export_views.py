"""The whitelist list, with whatever filters are on, as an Excel file."""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.permissions import CAMPAIGN_ROLES, roles_required
from crm.extensions import db
from crm.types import local_date, utcnow
from crm.vocab import CAMPAIGNS, MODES, PRIORITIES
from crm.whitelist import bp, queries
from crm.whitelist.forms import FilterForm, filters_from
from crm.xlsx import Sheet, download

HEADERS = [
    "企业名称", "统一社会信用代码", "目标县(市、区)", "状态", "攻坚团队", "主要负责人", "项目所属产业", "企业类别",
    "攻坚行动", "招商方式", "计划总投资(万元)", "签约金额(万元)", "签约日期", "落地日期", "开工日期", "投产日期",
    "优先级", "最后更新",
]  # fmt: skip
WIDTHS = [36, 22, 14, 10, 30, 10, 16, 30, 30, 12, 16, 14, 12, 12, 12, 12, 10, 18]


def _rows(query):
    for e in db.session.scalars(query.execution_options(yield_per=1000)):
        yield (
            e.enterprise.name, e.enterprise.uscc, e.region.name, e.state_label,
            e.team.name if e.team else None, e.owner.full_name if e.owner else None,
            e.industry.name if e.industry else None, "、".join(c.tag.name for c in e.enterprise.categories),
            CAMPAIGNS.get(e.campaign or ""), MODES.get(e.mode or ""), e.planned_investment, e.contract_amount,
            e.signed_on, e.landed_on, e.started_on, e.producing_on, PRIORITIES.get(e.priority),
            local_date(e.updated_at).isoformat(),
        )  # fmt: skip


@bp.route("/export.xlsx")
@roles_required(*CAMPAIGN_ROLES)
def export():
    form = FilterForm(request.args)
    form.validate()
    query = queries.whitelist_query(current_user, filters_from(form))
    name = _("Whitelist %(day)s.xlsx", day=local_date(utcnow()).isoformat())
    return download([Sheet(_("Whitelist"), HEADERS, _rows(query), WIDTHS)], name)
