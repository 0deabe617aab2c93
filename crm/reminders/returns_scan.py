"""Reminders for the monthly 到位资金 return: before the deadline day (the `return_deadline_day` setting) the head
and leads of every county or zone that hosts live projects and has not submitted the month's return hear about it
(`return_remind_days` working days ahead); after the deadline a 督办 goes to the county head (the managers where a
county has none) and to the city managers, once per county and month."""

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.plans.calendar import WorkCalendar
from crm.projects.models import FundReturn, Project
from crm.refdata.models import Region
from crm.reminders.staging import Reminder
from crm.settings import get_ints
from crm.vocab import Role


def _months_to_file(today: date, deadline_day: int) -> list[tuple[date, date]]:
    """(month, its deadline): this month, and last month (whose deadline has passed, for a late 督办)."""
    this = today.replace(day=1)
    last = (this - timedelta(days=1)).replace(day=1)
    return [(last, last.replace(day=deadline_day)), (this, this.replace(day=deadline_day))]


def _hosting(month: date) -> dict[int, str]:
    """Counties and zones with live projects signed by the end of `month`: those owe a return."""
    end = (month + timedelta(days=32)).replace(day=1)
    return dict(
        db.session.execute(
            select(Region.id, Region.name)
            .where(Region.id.in_(select(Project.region_id).where(Project.state != "terminated",
                                                                 Project.signed_on < end)))
        ).all()
    )  # fmt: skip


def return_reminders(today: date, cal: WorkCalendar, workday: bool) -> list:

    limits = get_ints("return_deadline_day", "return_remind_days")
    people = db.session.execute(
        select(User.id, User.role, User.region_id).where(
            User.is_active_flag.is_(True), User.role.in_((Role.COUNTY_HEAD, Role.LEAD, Role.MANAGER))
        )
    ).all()
    managers = [p.id for p in people if p.role == Role.MANAGER]
    reminders = []
    for month, deadline in _months_to_file(today, limits["return_deadline_day"]):
        owing = _hosting(month)
        if not owing:
            continue
        filed = set(db.session.scalars(select(FundReturn.region_id).where(
            FundReturn.month == month, FundReturn.seq == 0, FundReturn.status.in_(("submitted", "verified")))))  # fmt: skip
        label = f"{month:%Y-%m}"
        for region_id, name in owing.items():
            if region_id in filed:
                continue
            heads = [p.id for p in people if p.role == Role.COUNTY_HEAD and p.region_id == region_id]
            leads = [p.id for p in people if p.role == Role.LEAD and p.region_id == region_id]
            if today > deadline:
                title = _("督办: %(region)s has not submitted the funds return for %(month)s (due %(date)s)",
                          region=name, month=label, date=deadline.isoformat())  # fmt: skip
                for user_id in sorted(set((heads or managers) + managers)):
                    reminders.append(Reminder(f"return:{region_id}:{label}:late:{user_id}", user_id, None, None,
                                              "return_late", title, urgent=True))  # fmt: skip
            elif workday and today >= cal.add_workdays(deadline, -limits["return_remind_days"]):
                title = _("The funds return of %(region)s for %(month)s is due on %(date)s",
                          region=name, month=label, date=deadline.isoformat())  # fmt: skip
                for user_id in heads + leads:
                    reminders.append(Reminder(f"return:{region_id}:{label}:due:{user_id}", user_id, None, None,
                                              "return_due", title))  # fmt: skip
    return reminders
