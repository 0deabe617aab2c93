"""A target's light: working days an overdue step is late, days without contact, done steps and follow-ups."""

from datetime import UTC, date, datetime, timedelta

import pytest

from crm.extensions import db
from crm.plans.calendar import WorkCalendar
from crm.plans.lights import light_from_plan, lights_for
from crm.plans.models import DONE, Task
from crm.plans.services import plan_of
from crm.settings import set_setting
from tests.plans.conftest import ASSIGNED_AT, log, steps


@pytest.mark.parametrize(
    ("today", "late", "colour"),
    [
        # 首次对接 is due Saturday 10-10 (a make-up working day); yellow at 3 working days late, red at 10
        (date(2026, 10, 12), 1, "green"),
        (date(2026, 10, 13), 2, "green"),
        (date(2026, 10, 14), 3, "yellow"),
        (date(2026, 10, 22), 9, "yellow"),
        (date(2026, 10, 23), 10, "red"),
    ],
)
def test_light_thresholds_for_an_overdue_step(target, today, late, colour):
    p, entry = target
    set_setting("light_red_no_contact", "100")  # isolate the overdue rule
    db.session.commit()
    log(p, entry, ASSIGNED_AT + timedelta(days=1))  # a contact, but not completing the step
    cal = WorkCalendar.load()
    assert cal.workdays_between(date(2026, 10, 10), today) == late
    light = lights_for([entry], today, cal)[entry.id]
    assert light.colour == colour
    assert light_from_plan(entry, plan_of(entry.id), today) == light  # the entry page's way, from its plan
    if colour != "green":
        assert "首次对接" in light.reasons[0] and str(late) in light.reasons[0]


def test_light_turns_red_without_contact(target):
    p, entry = target
    cal = WorkCalendar.load()
    set_setting("light_yellow_overdue", "100")
    set_setting("light_red_overdue", "100")  # isolate the no-contact rule
    db.session.commit()
    fourteen = cal.add_workdays(date(2026, 9, 28), 14)
    assert lights_for([entry], fourteen, cal)[entry.id].colour == "green"
    fifteen = cal.add_workdays(date(2026, 9, 28), 15)
    light = lights_for([entry], fifteen, cal)[entry.id]
    assert light.colour == "red" and "15" in light.reasons[0]
    log(p, entry, datetime.combine(fifteen, datetime.min.time(), UTC) + timedelta(hours=2))
    assert lights_for([entry], fifteen, cal)[entry.id].colour == "green"


def test_only_working_targets_get_a_light(campaign):
    p, teams, whitelisted = campaign
    entry = whitelisted("未分配无灯企业有限公司")
    assert lights_for([entry], date(2026, 10, 12)) == {}
    assert light_from_plan(entry, plan_of(entry.id), date(2026, 10, 12)) is None


def test_the_light_from_a_plan_skips_done_steps_and_follow_ups_as_lights_for_does(target):
    """The entry page reads the light from the plan it shows: done steps and late follow-ups do not count, and of
    two late steps the earlier one names the light."""
    p, entry = target
    set_setting("light_red_no_contact", "100")
    db.session.commit()
    plan = steps(entry)
    today = date(2026, 11, 20)
    plan["首次对接"].status = DONE  # done: no longer late, whatever its date
    db.session.add(Task(entry_id=entry.id, title="回访（临时）", owner_id=p["member"].id, due_date=date(2026, 10, 9),
                        kind="followup"))  # fmt: skip
    db.session.commit()
    expected = lights_for([entry], today)[entry.id]
    got = light_from_plan(entry, plan_of(entry.id), today)
    assert got == expected and got.colour in ("yellow", "red")
    assert "首次对接" not in got.reasons[0] and "回访" not in got.reasons[0]
    assert "需求摸底" in got.reasons[0]  # the earliest late step still open
