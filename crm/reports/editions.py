"""Report editions: built on schedule (the weekly one on Monday, the monthly one on the 1st, each on the next
working day when that day is a rest day; the hourly pass from 08:00 builds what is missing, so a scheduler that
was down catches up), kept in the archive, sent to the managers (the city's) and to each
county's heads (their county's) through the outbox, and rebuilt on a manager's demand.

Exactly once: an edition is unique per kind, scope and period (crm.reports.models.ReportEdition), and its
notifications are keyed by the edition and the recipient, so a second scheduler, a restart or a rerun adds
nothing."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, false, select
from sqlalchemy.exc import IntegrityError

from crm import outbox
from crm.auth.models import User
from crm.dashboard.period import Period
from crm.dashboard.services import scope_users
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.plans.calendar import WorkCalendar
from crm.reminders import jobs
from crm.reminders.models import ChannelPreference
from crm.reports import document
from crm.reports.content import KINDS, WEEKLY, period_for, report, scope_of
from crm.reports.models import ReportEdition
from crm.types import local_date
from crm.vocab import Role

log = logging.getLogger(__name__)


def publication_day(kind: str, day: date, cal: WorkCalendar) -> date:
    """The day the edition that covers the period before `day`'s week (weekly) or month (monthly) is built: Monday
    or the 1st, or the first working day after it."""
    start = day - timedelta(days=day.weekday()) if kind == WEEKLY else day.replace(day=1)
    return cal.next_workday(start)


def due_kinds(today: date, cal: WorkCalendar) -> list[str]:
    """The kinds whose current edition is due by today: its publication day has come. The pass builds the ones
    missing, so a scheduler that was down on Monday morning builds Monday's edition when it runs again (the period
    is the same all week, or all month)."""
    return [kind for kind in KINDS if today >= publication_day(kind, today, cal)]


def _recipients(scope: str) -> list[User]:
    query = select(User).where(User.is_active_flag.is_(True))
    if scope == "city":
        query = query.where(User.role == Role.MANAGER)
    else:
        query = query.where(User.role == Role.COUNTY_HEAD, User.region_id == int(scope.split(":", 1)[1]))
    return list(db.session.scalars(query.order_by(User.id)))


def _notify(edition: ReportEdition, title: str, now: datetime) -> int:
    """The edition in each recipient's inbox, by email with the file attached (unless they turned email off), and
    for the city's a message with the archive's link to the leadership group's robot (REPORT_WEBHOOK_URL)."""
    recipients = _recipients(edition.scope)
    no_email = set(
        db.session.scalars(select(ChannelPreference.user_id).where(ChannelPreference.email.is_(False)))
    )
    body = _("The report is in the report archive (报告) and attached to the email.")
    rows = []
    for user in recipients:
        base = {"user_id": user.id, "kind": "report", "title": title[:200], "body": body,
                "report_edition_id": edition.id}  # fmt: skip
        rows.append({**base, "dedupe_key": f"report:{edition.id}:{user.id}:inbox", "channel": "inbox"})
        if user.email and user.id not in no_email:
            rows.append({**base, "dedupe_key": f"report:{edition.id}:{user.id}:email", "channel": "email"})
    if edition.scope == "city" and current_app.config.get("REPORT_WEBHOOK_URL"):
        link = current_app.config.get("PUBLIC_URL", "") + "/reports/"
        rows.append({"dedupe_key": f"report:{edition.id}:robot", "channel": "webhook", "user_id": None, "kind": "report",
                     "title": title[:200], "body": _("Open it in the system: %(link)s", link=link),
                     "report_edition_id": edition.id})  # fmt: skip
    return outbox.enqueue(rows, now) if rows else 0


@dataclass
class Published:
    built: int = 0
    existing: int = 0
    notifications: int = 0


def publish(kind: str, today: date, now: datetime) -> Published:
    """Build today's edition of `kind` for every scope that has none yet, and send each one built."""
    done = Published()
    period = period_for(kind, today)
    for scope, user in scope_users().items():
        known = db.session.scalar(
            select(ReportEdition.id).where(
                ReportEdition.kind == kind,
                ReportEdition.scope == scope,
                ReportEdition.period_start == period.start,
            )
        )
        if known is not None:
            done.existing += 1
            continue
        content = report(user, kind, today)
        data = document.build(content)
        edition = ReportEdition(kind=kind, scope=scope, region_id=None if scope == "city" else user.region_id,
                                period_start=period.start, period_end=period.end, published_on=today, docx=data,
                                size=len(data), built_at=now)  # fmt: skip
        db.session.add(edition)
        try:
            db.session.commit()
        except IntegrityError:  # another scheduler built it meanwhile
            db.session.rollback()
            done.existing += 1
            continue
        done.built += 1
        done.notifications += _notify(edition, content.title, now)
    return done


def run(now: datetime) -> str:
    """The scheduler's `reports` pass (hourly from 08:00 to 20:00): the editions due and not built yet."""
    today = local_date(now)
    results = {kind: publish(kind, today, now) for kind in due_kinds(today, WorkCalendar.load())}
    return (
        "; ".join(f"{kind}: {r.built} built, {r.existing} already" for kind, r in results.items())
        or "none due"
    )


def run_scheduled() -> None:
    """APScheduler's entry point (crm.reminders.jobs.job_definitions), with the jobs' heartbeat and logging."""
    jobs.run_job("reports", run)


def visible(user: User) -> Select[ReportEdition]:
    """The editions a user may read: every one for a manager, their county's for a county head."""
    query = select(ReportEdition).order_by(
        ReportEdition.period_start.desc(), ReportEdition.kind, ReportEdition.scope
    )
    if user.role == Role.MANAGER:
        return query
    if user.role == Role.COUNTY_HEAD and user.region_id:
        return query.where(ReportEdition.scope == scope_of(user))
    return query.where(false())


def get_visible(user: User, edition_id: int) -> ReportEdition | None:
    return db.session.scalar(visible(user).where(ReportEdition.id == edition_id))


def rebuild(actor: User, edition: ReportEdition, now: datetime) -> ReportEdition:
    """A manager builds an edition again (the records changed since): the new file replaces the old, and the
    edition says who rebuilt it when. Its figures are today's; its period stays."""
    if actor.role != Role.MANAGER:
        raise Forbidden(_("Only managers rebuild a report."))
    users = scope_users()
    user = users.get(edition.scope)
    if user is None:
        raise DomainError(_("Nobody holds this report's scope any more: it cannot be rebuilt."))
    today = local_date(now)
    content = report(user, edition.kind, today, Period(edition.period_start, edition.period_end))
    data = document.build(content)
    edition.docx, edition.size, edition.published_on = data, len(data), today
    edition.rebuilt_at, edition.rebuilt_by_id, edition.version = now, actor.id, edition.version + 1
    db.session.commit()
    log.info("report edition %s (%s %s %s) rebuilt by %s", edition.id, edition.kind, edition.scope,
             edition.period_start, actor.username)  # fmt: skip
    return edition
