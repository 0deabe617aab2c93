"""Tasks as an iCalendar file (RFC 5545) for WPS and Outlook calendars."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event

from crm.parsing import one_line
from crm.plans.calendar import WorkCalendar
from crm.plans.models import Task


def tasks_to_ics(tasks: Iterable[Task], name: str, now: datetime, work: WorkCalendar,
                 host: str = "crm.liaocheng") -> bytes:  # fmt: skip
    """One all-day VEVENT per open task, with a stable UID so re-importing updates instead of duplicating.

    A date in a year whose holiday schedule is provisional says so in its title and description (a re-plan may
    move it; the UID stays, so importing again updates it)."""
    cal = Calendar()
    cal.add("prodid", "-//Liaocheng investment promotion//target-enterprise CRM//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", one_line(name))  # names stored before input was cleaned
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for task in tasks:
        if task.status != "open":
            continue
        event = Event()
        event.add("uid", f"task-{task.id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", task.due_date)
        event.add("dtend", task.due_date + timedelta(days=1))
        summary, notes = (
            one_line(f"{task.title} · {task.entry.enterprise.name}"),
            [task.notes] if task.notes else [],
        )
        if work.provisional(task.due_date):
            summary += _("(provisional)")
            notes.append(_provisional_note(task.due_date.year))
        event.add("summary", summary)
        if notes:
            event.add("description", "\n".join(notes))
        event.add("status", "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()


def _provisional_note(year: int) -> str:
    return _(
        "The %(year)d holiday schedule has not been published yet; dates that year are provisional, counted around "
        "the statutory holidays.",
        year=year,
    )
