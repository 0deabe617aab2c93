"""Tasks as an iCalendar file (RFC 5545) for WPS and Outlook calendars."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from crm.plans.models import Task


def tasks_to_ics(tasks: Iterable[Task], name: str, now: datetime, host: str = "crm.liaocheng") -> bytes:
    """One all-day VEVENT per open task, with a stable UID so re-importing updates instead of duplicating."""
    cal = Calendar()
    cal.add("prodid", "-//Liaocheng investment promotion//target-enterprise CRM//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for task in tasks:
        if task.status != "open":
            continue
        event = Event()
        event.add("uid", f"task-{task.id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", task.due_date)
        event.add("dtend", task.due_date + timedelta(days=1))
        event.add("summary", f"{task.title} · {task.entry.enterprise.name}")
        if task.notes:
            event.add("description", task.notes)
        event.add("status", "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
