"""Correcting a project's facts (a typo in its name, the amount, where it lands …), with the changes on its trail."""

from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, select

from crm.auth.models import User
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.history import check_version, record_event, stale_guard
from crm.plans.models import FundArrival
from crm.projects.models import Project
from crm.projects.services import ProjectData, _check, _may, sync_entry
from crm.refdata.models import Industry, Region
from crm.vocab import AGREEMENTS, CAMPAIGNS, MODES, Action

LABELS = {
    "name": "项目名称", "region_id": "落地县区", "agreement": "协议类型", "signed_on": "签约日期",
    "contract_amount": "签约金额(万元)", "planned_investment": "计划总投资(万元)", "industry_id": "产业",
    "campaign": "攻坚行动", "mode": "招商方式",
}  # fmt: skip


def _shown(field: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field == "region_id":
        region = db.session.get(Region, value)
        assert region is not None  # a foreign key
        return region.name
    if field == "industry_id":
        industry = db.session.get(Industry, value)
        assert industry is not None  # a foreign key
        return industry.name
    if field == "agreement":
        return AGREEMENTS[value]
    if field in ("campaign", "mode"):
        return (CAMPAIGNS if field == "campaign" else MODES).get(value, value)
    return str(value)


def edit_project(actor: User, project: Project, data: ProjectData, now: datetime, today: date,
                 expected_version: int | None = None) -> Project:  # fmt: skip
    entry = project.entry
    with stale_guard(entry_id=entry.id):
        check_version(project, expected_version, entry_id=entry.id)
        _may(actor, entry)
        if project.state == "terminated":
            raise DomainError(_("The project has already been terminated."))
        _check(data, today)
        if data.contract_amount is None:
            raise DomainError(_("Give the contract amount in 万元."))
        if project.landed_on and data.signed_on > project.landed_on:
            raise DomainError(_("The date cannot be after %(date)s, the next stage's date.",
                                date=project.landed_on.isoformat()))  # fmt: skip
        reported = db.session.scalar(select(exists().where(FundArrival.project_id == project.id)))
        if data.region_id != project.region_id and reported:
            raise DomainError(_("Its funds are reported in %(region)s's returns: the landing county cannot change.",
                                region=project.region.name))  # fmt: skip
        after = {"name": data.name.strip(), "region_id": data.region_id, "agreement": data.agreement,
                 "signed_on": data.signed_on, "contract_amount": data.contract_amount,
                 "planned_investment": data.planned_investment, "industry_id": data.industry_id or entry.industry_id,
                 "campaign": data.campaign or entry.campaign, "mode": data.mode or entry.mode}  # fmt: skip
        lines = [
            f"{LABELS[k]}: {_shown(k, getattr(project, k))} → {_shown(k, v)}"
            for k, v in after.items()
            if getattr(project, k) != v
        ]
        if not lines:
            return project
        record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, project_id=project.id, actor=actor, at=now,
                     action=Action.PROJECT_EDIT, detail=project.name + "\n" + "\n".join(lines))  # fmt: skip
        for key, value in after.items():
            setattr(project, key, value)
        project.updated_at = now
        sync_entry(actor, entry, now)
        db.session.commit()
    return project
