"""The monthly 到位资金 return (月报) of a county or zone: its lead or head files the month's arrivals per project
and submits the return; a city manager (never the one who submitted it) verifies it or sends it back with a
reason. Only verified returns count toward the goals. A verified return is locked: a correction is an adjustment,
a new return of the same county and month (seq 1, 2 …) with its own reason, reviewed the same way.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PureWindowsPath
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from crm.auth.models import User
from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from crm.formatting import wan
from crm.history import record_event, stale_guard
from crm.plans import policy
from crm.plans.logs import Upload, check_attachment
from crm.plans.models import FundArrival
from crm.projects import standing
from crm.projects.models import FundReturn, Project
from crm.vocab import PROVINCES, Action, Role

HOME_PROVINCE = "山东省"
EDITABLE = ("draft", "returned")


def month_start(day: date) -> date:
    return day.replace(day=1)


@dataclass
class ArrivalData:
    month: date  # any day of the month reported
    fixed: int = 0  # 固定资产投资, 万元
    other: int = 0
    out_of_province: bool = False  # 省外到位资金
    source_province: str | None = None
    note: str | None = None
    attachment: Upload | None = None


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise DomainError(message)


def files_for(user: User, region_id: int) -> bool:
    """The county's (or zone's) head and leads file and submit its return; managers may too."""
    if user.role == Role.MANAGER:
        return True
    return user.role in (Role.COUNTY_HEAD, Role.LEAD) and user.region_id == region_id


def may_add(user: User, project: Project) -> bool:
    """Lines are added by those who file for the landing county, and by the project's team (谁签约、谁跟踪)."""
    return files_for(user, project.region_id) or policy.can_advance(user, project.entry)


def the_return(region_id: int, month: date, seq: int = 0) -> FundReturn | None:
    return db.session.scalar(
        select(FundReturn).where(FundReturn.region_id == region_id, FundReturn.month == month_start(month),
                                 FundReturn.seq == seq)
    )  # fmt: skip


def open_return(region_id: int, month: date) -> FundReturn | None:
    """The return of the county and month that still takes lines: the month's own, or an open adjustment."""
    return db.session.scalar(
        select(FundReturn)
        .where(FundReturn.region_id == region_id, FundReturn.month == month_start(month),
               FundReturn.status.in_(EDITABLE))
        .order_by(FundReturn.seq.desc())
    )  # fmt: skip


def _return_for_lines(actor: User, region_id: int, month: date, now: datetime) -> FundReturn:
    ret = open_return(region_id, month)
    if ret is not None:
        return ret
    first = the_return(region_id, month)
    if first is None:
        ret = FundReturn(region_id=region_id, month=month_start(month), seq=0, status="draft",
                         created_by_id=actor.id, created_at=now)  # fmt: skip
        try:
            with db.session.begin_nested():  # another clerk may open the month's return at the same moment
                db.session.add(ret)
        except IntegrityError:
            ret = the_return(region_id, month)
            if ret is None or ret.status not in EDITABLE:
                raise DomainError(
                    _("Someone else changed this return%(who)s: reload the page.", who="")
                ) from None
        return ret
    if first.status == "submitted":
        raise DomainError(_("The county's return for %(month)s has been submitted and awaits verification.",
                            month=f"{first.month:%Y-%m}"))  # fmt: skip
    raise DomainError(_("The county's return for %(month)s is verified and locked: open an adjustment to correct it.",
                        month=f"{first.month:%Y-%m}"))  # fmt: skip


def add_arrival(actor: User, project: Project, data: ArrivalData, now: datetime, today: date,
                upload_dir: Path | None = None, commit: bool = True) -> FundArrival:  # fmt: skip
    """A line of the month's return: 到位资金 of one project (in an adjustment, a correction, possibly negative).
    `commit=False` only flushes (the spreadsheet import writes all its rows in one transaction)."""
    if not may_add(actor, project):
        raise Forbidden(
            _("Only the landing county's head and leads, and the project's team, report its funds.")
        )
    month = month_start(data.month)
    _require(month <= month_start(today), _("The month cannot be in the future."))
    _require(
        month >= month_start(project.signed_on),
        _("Funds are reported from the month the project was signed."),
    )
    ret = _return_for_lines(actor, project.region_id, month, now)
    if ret.is_adjustment:
        _require(data.fixed + data.other != 0, _("Give the correction in 万元 (negative to reduce)."))
        reported = _month_total(project.id, month, ret.id)
        _require(reported + data.fixed + data.other >= 0,
                 _("The correction would leave %(name)s below zero for %(month)s (%(n)d 万元 reported).",
                   name=project.name, month=f"{month:%Y-%m}", n=reported))  # fmt: skip
    else:
        _require(
            project.state != "terminated",
            _("The project has been terminated: correct its funds by an adjustment."),
        )
        _require(data.fixed >= 0 and data.other >= 0 and data.fixed + data.other > 0,
                 _("Give the amount that arrived, in 万元."))  # fmt: skip
    province = (data.source_province or "").strip() or None
    if data.out_of_province:
        _require(province in PROVINCES and province != HOME_PROVINCE,
                 _("Money from outside the province needs the province it came from."))  # fmt: skip
    else:
        province = None
    ext = check_attachment(data.attachment) if data.attachment else None
    row = FundArrival(entry_id=project.entry_id, project_id=project.id, return_id=ret.id, arrived_on=month,
                      fixed_amount=data.fixed, other_amount=data.other, out_of_province=data.out_of_province,
                      source_province=province, note=(data.note or "").strip()[:200] or None,
                      created_by_id=actor.id, created_at=now)  # fmt: skip
    if ext:
        assert data.attachment is not None  # ext is the checked attachment's
        row.attachment_path = f"{uuid.uuid4().hex}.{ext}"
        row.attachment_name = PureWindowsPath(data.attachment.filename).name[:200]
    db.session.add(row)
    _touch(ret)
    record_event(enterprise_id=project.entry.enterprise_id, entry_id=project.entry_id, project_id=project.id,
                 actor=actor, at=now, action=Action.FUNDS,
                 detail=_("%(name)s, %(month)s: %(amount)s reported (awaiting verification)", name=project.name,
                          month=f"{month:%Y-%m}", amount=wan(data.fixed + data.other)))  # fmt: skip
    with stale_guard():  # a submit that won the race: this line does not slip into a submitted return
        db.session.flush()
        if ext and upload_dir is not None:
            assert data.attachment is not None and row.attachment_path is not None  # both set above
            upload_dir.mkdir(parents=True, exist_ok=True)
            (upload_dir / row.attachment_path).write_bytes(data.attachment.content)
        if commit:
            db.session.commit()
    return row


def remove_arrival(actor: User, row: FundArrival) -> None:
    ret = db.session.get(FundReturn, row.return_id) if row.return_id else None
    _require(
        ret is not None and ret.status in EDITABLE, _("This line belongs to a submitted or verified return.")
    )
    assert ret is not None  # _require refused a missing return
    if not (files_for(actor, ret.region_id) or row.created_by_id == actor.id):
        raise Forbidden(_("Only the county's head and leads, or whoever added it, remove a line."))
    db.session.delete(row)
    with stale_guard():
        _touch(ret)
        db.session.commit()


def _check(ret: FundReturn, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != ret.version:
        who = ret.verified_by or ret.submitted_by
        raise StaleRecord(_("Someone else changed this return%(who)s: reload the page.",
                            who=f" ({who.full_name})" if who else ""))  # fmt: skip


def submit(actor: User, ret: FundReturn, now: datetime, expected_version: int | None = None) -> FundReturn:
    """Submit the return for verification. A return with no lines says nothing arrived this month (零报告)."""
    if not files_for(actor, ret.region_id):
        raise Forbidden(_("Only the county's head and leads submit its return."))
    _check(ret, expected_version)
    _require(ret.status in EDITABLE, _("This return has already been submitted."))
    with stale_guard():
        ret.status, ret.submitted_by_id, ret.submitted_at = "submitted", actor.id, now
        db.session.commit()
    return ret


def verify(actor: User, ret: FundReturn, now: datetime, expected_version: int | None = None) -> FundReturn:
    """A city manager verifies a submitted return (maker-checker): its figures then count, and it is locked."""
    if actor.role != Role.MANAGER:
        raise Forbidden(_("Only city managers verify returns."))
    _check(ret, expected_version)
    _require(ret.status == "submitted", _("Only a submitted return can be verified."))
    _require(ret.submitted_by_id != actor.id, _("You submitted this return: another manager must verify it."))
    wrote = db.session.scalar(select(func.count()).where(FundArrival.return_id == ret.id,
                                                         FundArrival.created_by_id == actor.id))  # fmt: skip
    _require(not wrote, _("You reported lines of this return: another manager must verify it."))
    with stale_guard():
        ret.status, ret.verified_by_id, ret.verified_at, ret.return_reason = "verified", actor.id, now, None
        reported = lines(ret)
        standing.refresh({project.id for _row, project in reported})
        for row, project in reported:
            record_event(enterprise_id=project.entry.enterprise_id, entry_id=project.entry_id, project_id=project.id,
                         actor=actor, at=now, action=Action.FUNDS,
                         detail=_("%(name)s, %(month)s: %(amount)s verified", name=project.name,
                                  month=f"{ret.month:%Y-%m}", amount=wan(row.fixed_amount + row.other_amount)))  # fmt: skip
        db.session.commit()
    return ret


def send_back(actor: User, ret: FundReturn, reason: str, now: datetime,
              expected_version: int | None = None) -> FundReturn:  # fmt: skip
    if actor.role != Role.MANAGER:
        raise Forbidden(_("Only city managers verify returns."))
    _check(ret, expected_version)
    _require(ret.status == "submitted", _("Only a submitted return can be sent back."))
    _require(bool(reason and reason.strip()), _("Give the reason."))
    with stale_guard():
        ret.status, ret.return_reason = "returned", reason.strip()
        db.session.commit()
    return ret


def open_adjustment(actor: User, region_id: int, month: date, reason: str, now: datetime) -> FundReturn:
    """A correction of a verified month: a new return of the same county and month, reviewed like the first."""
    if not files_for(actor, region_id):
        raise Forbidden(_("Only the county's head and leads submit its return."))
    first = the_return(region_id, month)
    _require(
        first is not None and first.status == "verified",
        _("Only a verified month is corrected by an adjustment."),
    )
    _require(open_return(region_id, month) is None and not _pending(region_id, month),
             _("This month already has an adjustment under way."))  # fmt: skip
    _require(bool(reason and reason.strip()), _("Give the reason."))
    seq = db.session.scalar(select(func.max(FundReturn.seq)).where(FundReturn.region_id == region_id,
                                                                   FundReturn.month == month_start(month)))  # fmt: skip
    assert seq is not None  # the verified first return is there
    ret = FundReturn(region_id=region_id, month=month_start(month), seq=seq + 1, status="draft", reason=reason.strip(),
                     created_by_id=actor.id, created_at=now)  # fmt: skip
    db.session.add(ret)
    db.session.commit()
    return ret


def _pending(region_id: int, month: date) -> bool:
    return bool(db.session.scalar(
        select(func.count()).where(FundReturn.region_id == region_id, FundReturn.month == month_start(month),
                                   FundReturn.status == "submitted")
    ))  # fmt: skip


def _touch(ret: FundReturn) -> None:
    """A line added or removed changes the return: its version moves on, so a submit or verification made from
    a page that did not show the line is refused as stale, and a line racing a submit fails instead of slipping in."""
    flag_modified(ret, "status")


def _month_total(project_id: int, month: date, open_return_id: int) -> int:
    """What the project's verified returns and the open adjustment say arrived in the month."""
    return cast(int, db.session.scalar(  # an aggregate: always one row
        select(func.coalesce(func.sum(FundArrival.fixed_amount + FundArrival.other_amount), 0))
        .join(FundReturn, FundReturn.id == FundArrival.return_id)
        .where(FundArrival.project_id == project_id, FundReturn.month == month_start(month),
               or_(FundReturn.status == "verified", FundReturn.id == open_return_id))
    ))  # fmt: skip


def lines(ret: FundReturn) -> list[tuple[FundArrival, Project]]:
    rows = db.session.execute(
        select(FundArrival, Project).join(Project, Project.id == FundArrival.project_id)
        .where(FundArrival.return_id == ret.id).order_by(Project.name, FundArrival.id)
    )  # fmt: skip
    return [(row, project) for row, project in rows]
