"""The administrator's holiday table: dates, confirmed years, and what each year's status is."""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.plans.calendar import PACKAGE, PROVISIONAL, WorkCalendar
from crm.plans.holidays_provisional import statutory_holidays
from crm.plans.models import Holiday, HolidayYear


@dataclass
class YearStatus:
    year: int
    source: str  # PACKAGE | CONFIRMED | PROVISIONAL
    entered: int  # the table's dates in that year
    confirmation: HolidayYear | None
    statutory: list[tuple[date, str]]  # what a provisional year rests on


def year_statuses(today: date, cal: WorkCalendar) -> list[YearStatus]:
    """This year, next year, and every later year that has dates or a confirmation."""
    rows = db.session.scalars(select(HolidayYear)).all()
    confirmations = {r.year: r for r in rows}
    entered: dict[int, int] = {}
    for day in cal.overrides:
        entered[day.year] = entered.get(day.year, 0) + 1
    years = {today.year, today.year + 1} | {y for y in (*entered, *confirmations) if y >= today.year}
    out = []
    for year in sorted(years):
        source = cal.source(date(year, 1, 1))
        statutory = sorted(statutory_holidays(year).items()) if source == PROVISIONAL else []
        out.append(YearStatus(year, source, entered.get(year, 0), confirmations.get(year), statutory))
    return out


def save_holiday(day: date, is_workday: bool, name: str) -> None:
    row = db.session.get(Holiday, day) or Holiday(day=day)
    row.is_workday, row.name = is_workday, name.strip()
    db.session.add(row)
    db.session.commit()


def confirm_year(actor: User, year: int, note: str | None, now: datetime) -> HolidayYear:
    """Mark `year`'s State Council notice as entered: its dates stop being provisional."""
    cal = WorkCalendar.load()
    if not 2000 <= year <= 2100:
        raise DomainError(_("The year is out of range."))
    if cal.source(date(year, 1, 1)) == PACKAGE:
        raise DomainError(_("The built-in schedule already covers %(year)d.", year=year))
    if not any(day.year == year for day in cal.overrides):
        raise DomainError(
            _("Enter the dates of the %(year)d notice first, then confirm the year.", year=year)
        )
    row = db.session.get(HolidayYear, year)
    if row is None:
        row = HolidayYear(
            year=year, confirmed_by_id=actor.id, confirmed_at=now, note=(note or "").strip() or None
        )
        db.session.add(row)
        db.session.commit()
    return row


def withdraw_year(year: int) -> None:
    """The year is provisional again (a confirmation made by mistake)."""
    row = db.session.get(HolidayYear, year)
    if row is None:
        raise DomainError(_("%(year)d is not confirmed.", year=year))
    db.session.delete(row)
    db.session.commit()
