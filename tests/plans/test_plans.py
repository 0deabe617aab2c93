"""Plan generation, contact logs completing steps, follow-ups, stage evidence and the .ics export (lights:
test_lights.py)."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select

from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.plans import logs
from crm.plans.calendar import WorkCalendar
from crm.plans.lights import lights_for
from crm.plans.models import DONE, ContactLog, Task
from crm.plans.services import plan_of
from crm.projects import stages
from crm.refdata.seed import DEFAULT_STEPS
from crm.settings import set_setting
from crm.vocab import State
from tests.plans.conftest import ASSIGNED_AT, log, steps


def test_assignment_creates_the_plan_in_working_days(target):
    p, entry = target
    plan = steps(entry)
    assert list(plan) == [name for name, *_ in DEFAULT_STEPS]
    # 5 working days after Mon 09-28: 09-29, 09-30, then 国庆 until 10-07, so 10-08, 10-09, 10-10 (make-up Saturday)
    assert plan["首次对接"].due_date == date(2026, 10, 10)
    assert plan["签约决策"].due_date == WorkCalendar.load().add_workdays(date(2026, 9, 28), 60)
    assert plan["首次对接"].owner_id == p["member"].id  # owner steps to the primary owner
    assert plan["签约决策"].owner_id == p["lead"].id  # lead steps to the team leader
    assert plan["上门拜访"].evidence == "visit"
    assert entry.plan_start == date(2026, 9, 28)


def test_a_log_completes_the_chosen_step_creates_the_follow_up_and_starts_contact(target):
    p, entry = target
    first = steps(entry)["首次对接"]
    when = ASSIGNED_AT + timedelta(days=2)
    log(p, entry, when, complete_task_id=first.id, next_step="寄送产业政策材料", next_date=date(2026, 10, 9))
    db.session.refresh(first)
    assert (first.status, first.completed_by_id, first.completed_at) == ("done", p["member"].id, when)
    follow = db.session.scalar(select(Task).where(Task.kind == "followup"))
    assert (follow.title, follow.due_date, follow.owner_id) == (
        "寄送产业政策材料",
        date(2026, 10, 9),
        p["member"].id,
    )
    assert entry.state == State.CONTACTING and entry.last_contact_at == when
    assert first.log_id == db.session.scalar(select(ContactLog.id))


def test_a_step_needing_a_visit_is_not_completed_by_a_phone_call(target):
    p, entry = target
    visit = steps(entry)["上门拜访"]
    with pytest.raises(DomainError, match="上门拜访"):
        log(p, entry, ASSIGNED_AT + timedelta(days=1), complete_task_id=visit.id)
    assert db.session.scalar(select(ContactLog.id)) is None
    log(p, entry, ASSIGNED_AT + timedelta(days=1), kind="visit", complete_task_id=visit.id)
    db.session.refresh(visit)
    assert visit.status == "done"


def test_log_rules(target, make_user):
    p, entry = target
    with pytest.raises(DomainError):  # a next step needs its date
        log(p, entry, ASSIGNED_AT, next_step="再联系")
    with pytest.raises(DomainError):  # not in the future
        logs.record_log(
            p["member"],
            entry,
            logs.LogData(ASSIGNED_AT + timedelta(days=1), "phone", "x"),
            ASSIGNED_AT,
            Path("/x"),
        )
    with pytest.raises(Forbidden):  # another team's member
        logs.record_log(
            p["member_b"], entry, logs.LogData(ASSIGNED_AT, "phone", "x"), ASSIGNED_AT, Path("/x")
        )


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("纪要.pdf", b"%PDF-1.7 ...", True),
        ("现场.png", b"\x89PNG\r\n\x1a\n....", True),
        ("伪装.pdf", b"MZ\x90\x00 not a pdf", False),  # content does not match the type
        ("脚本.exe", b"MZ\x90\x00", False),  # type not allowed
        ("大文件.pdf", b"%PDF" + b"0" * (5 * 1024 * 1024), False),  # over 5 MB
    ],
)
def test_attachments_are_type_and_size_checked(target, tmp_path, name, content, ok):
    p, entry = target
    data = logs.LogData(ASSIGNED_AT, "visit", "带附件", attachment=logs.Upload(name, content))
    if ok:
        saved = logs.record_log(p["member"], entry, data, ASSIGNED_AT, tmp_path)
        assert (tmp_path / saved.attachment_path).read_bytes() == content and saved.attachment_name == name
    else:
        with pytest.raises(DomainError):
            logs.record_log(p["member"], entry, data, ASSIGNED_AT, tmp_path)
        assert list(tmp_path.iterdir()) == []


def test_stages_need_their_evidence(target):
    p, entry = target
    now, today = ASSIGNED_AT + timedelta(days=20), date(2026, 10, 18)
    with pytest.raises(DomainError):  # 对接中 needs a log
        stages.advance(p["member"], entry, State.CONTACTING, stages.StageEvidence(), now, today)
    log(p, entry, ASSIGNED_AT + timedelta(days=1))
    assert entry.state == State.CONTACTING
    with pytest.raises(DomainError):  # 洽谈中 needs a face-to-face meeting
        stages.advance(p["member"], entry, State.NEGOTIATING, stages.StageEvidence(), now, today)
    log(p, entry, ASSIGNED_AT + timedelta(days=2), kind="inbound")
    stages.advance(p["member"], entry, State.NEGOTIATING, stages.StageEvidence(), now, today)
    with pytest.raises(DomainError):  # skipping a stage
        stages.advance(
            p["member"],
            entry,
            State.LANDED,
            stages.StageEvidence(on=today, uscc="91340600MA2PBM9HXD"),
            now,
            today,
        )
    with pytest.raises(DomainError):  # signing needs an amount
        stages.advance(p["member"], entry, State.SIGNED, stages.StageEvidence(on=today), now, today)
    with pytest.raises(DomainError):  # ... and a date not in the future
        stages.advance(
            p["member"],
            entry,
            State.SIGNED,
            stages.StageEvidence(on=today + timedelta(days=1), amount=5000),
            now,
            today,
        )
    stages.advance(p["member"], entry, State.SIGNED, stages.StageEvidence(on=today, amount=50000), now, today)
    assert (entry.signed_on, entry.contract_amount) == (today, 50000)
    with pytest.raises(DomainError):  # a wrong check character
        stages.advance(
            p["member"],
            entry,
            State.LANDED,
            stages.StageEvidence(on=today, uscc="91340600MA2PBM9HXE"),
            now,
            today,
        )
    stages.advance(
        p["member"],
        entry,
        State.LANDED,
        # full-width and hyphenated: stored as the 18 ASCII characters
        stages.StageEvidence(on=today, uscc="９１３４０６００－ｍａ２ｐｂｍ９ｈｘｄ"),
        now,
        today,
    )
    assert entry.landed_uscc == "91340600MA2PBM9HXD"
    stages.advance(p["lead"], entry, State.STARTED, stages.StageEvidence(on=today), now, today)
    stages.advance(p["head"], entry, State.PRODUCING, stages.StageEvidence(on=today), now, today)
    assert (entry.state, entry.started_on, entry.producing_on) == (State.PRODUCING, today, today)
    with pytest.raises(Forbidden):
        stages.add_funds(p["member_b"], entry, today, 100, 0, None, now, today)
    with pytest.raises(DomainError):
        stages.add_funds(p["member"], entry, today, 0, 0, None, now, today)
    row = stages.add_funds(p["member"], entry, today, 3000, 500, "首期", now, today)
    assert row.total == 3500


def test_plan_ics_parses_back(client, target, login):
    p, entry = target
    login(p["member"])
    response = client.get(f"/plans/entries/{entry.id}/plan.ics")
    assert response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == len(DEFAULT_STEPS)
    first = next(e for e in events if str(e["summary"]).startswith("首次对接"))
    assert first.decoded("dtstart") == date(2026, 10, 10) and "计划测试企业有限公司" in str(first["summary"])
    assert len({str(e["uid"]) for e in events}) == len(events)
    mine = Calendar.from_ical(client.get("/plans/tasks.ics").data)
    assert len(list(mine.walk("VEVENT"))) == 4  # the member owns the four owner steps


def test_my_tasks_groups_by_urgency(client, target, login, now):
    p, entry = target
    login(p["member"])
    page = client.get("/plans/tasks").data.decode()
    overdue = page.split('data-testid="tasks-overdue"')[1].split("</ul>")[0]
    assert "首次对接" in overdue and "需求摸底" in overdue  # both due before today (2026-11-26)
    assert 'data-testid="log-for-task"' in page


def test_my_tasks_shows_what_is_due_now_in_full_and_the_first_later_steps(client, target, login, campaign):
    """A lead can hold hundreds of steps months ahead: the page lists everything due up to Sunday, the first
    LATER_SHOWN later ones, their full count, and a link to all of them; steps on a target the user no longer
    sees are not counted."""
    from crm.plans.views import LATER_SHOWN
    from crm.types import local_date, utcnow

    p, entry = target
    extra = LATER_SHOWN + 5
    for i in range(extra):
        db.session.add(Task(entry_id=entry.id, title=f"远期回访{i:02d}", owner_id=p["member"].id,
                            due_date=date(2027, 3, 1) + timedelta(days=i), status="open"))  # fmt: skip
    p2, teams, whitelisted = campaign
    elsewhere = whitelisted("别队目标企业有限公司")  # not the member's team's target
    db.session.add(Task(entry_id=elsewhere.id, title="不该出现的步骤", owner_id=p["member"].id,
                        due_date=date(2027, 1, 4), status="open"))  # fmt: skip
    db.session.commit()
    login(p["member"])
    page = client.get("/plans/tasks").data.decode()
    later = page.split('data-testid="tasks-later"')[1].split("</ul>")[0]
    today = local_date(utcnow())  # the page's today: the real one
    sunday = today + timedelta(days=6 - today.weekday())
    mine = [t for t in plan_of(entry.id) if t.owner_id == p["member"].id and t.status == "open"]
    total = len([t for t in mine if t.due_date > sunday])
    assert f"（{total}）" in page.split('data-testid="tasks-later"')[0].rsplit("<h2", 1)[1]
    assert later.count('data-testid="log-for-task"') == LATER_SHOWN
    assert "远期回访00" in later and f"远期回访{extra - 1:02d}" not in later  # the soonest first
    assert "later=all" in later and "不该出现的步骤" not in page
    overdue = page.split('data-testid="tasks-overdue"')[1].split("</ul>")[0]
    assert "首次对接" in overdue and "需求摸底" in overdue
    everything = client.get("/plans/tasks?later=all").data.decode()
    later = everything.split('data-testid="tasks-later"')[1].split("</ul>")[0]
    assert later.count('data-testid="log-for-task"') == total and f"远期回访{extra - 1:02d}" in later
    assert 'data-testid="more-later"' not in everything


def test_log_form_over_http_keeps_input_and_completes_the_step(client, target, login):
    p, entry = target
    first = steps(entry)["首次对接"]
    login(p["member"])
    form = {"occurred_on": "2026-10-09", "occurred_time": "10:30", "kind": "phone", "summary": "",
            "outcome": "保留这段结果", "complete_task": first.id, "participants": [p["member"].id]}  # fmt: skip
    page = client.post(f"/plans/entries/{entry.id}/log", data=form).data.decode()
    assert "is-invalid" in page and "保留这段结果" in page
    ok = client.post(
        f"/plans/entries/{entry.id}/log?back=/plans/tasks", data={**form, "summary": "首次电话沟通"}
    )
    assert ok.status_code == 302 and ok.location.endswith("/plans/tasks")
    db.session.refresh(first)
    assert first.status == "done"
    assert "首次电话沟通" in client.get(f"/whitelist/{entry.id}").data.decode()


def test_a_contact_late_in_the_beijing_evening_counts_for_that_day(target):
    """23:30 in Beijing on Oct 9 is 15:30 UTC; 00:30 Beijing on Oct 10 is still Oct 9 in UTC."""
    p, entry = target
    set_setting("light_red_no_contact", "1")
    db.session.commit()
    log(
        p, entry, datetime(2026, 10, 9, 16, 30, tzinfo=UTC)
    )  # 00:30 on Saturday 10-10 (a working day) in Beijing
    light = lights_for([entry], date(2026, 10, 10), WorkCalendar.load())[entry.id]
    assert not any("未对接" in r for r in light.reasons)  # contacted that same (Beijing) day


def test_a_paused_targets_tasks_leave_my_list(client, target, login):
    from crm.whitelist import services as wf

    p, entry = target
    login(p["member"])
    assert "首次对接" in client.get("/plans/tasks").data.decode()
    wf.pause(p["lead"], entry, "企业重组", ASSIGNED_AT)
    page = client.get("/plans/tasks").data.decode()
    assert "计划测试企业有限公司" not in page


def test_signing_closes_the_remaining_plan_steps_and_dates_keep_their_order(target):
    p, entry = target
    log(p, entry, ASSIGNED_AT + timedelta(days=1), kind="visit")
    today = date(2026, 11, 2)
    now = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    stages.advance(p["member"], entry, State.NEGOTIATING, stages.StageEvidence(), now, today)
    with pytest.raises(DomainError):  # before the plan even started
        stages.advance(
            p["member"],
            entry,
            State.SIGNED,
            stages.StageEvidence(on=date(2026, 9, 1), amount=100),
            now,
            today,
        )
    stages.advance(
        p["member"], entry, State.SIGNED, stages.StageEvidence(on=date(2026, 10, 30), amount=100), now, today
    )
    statuses = set(
        db.session.scalars(select(Task.status).where(Task.entry_id == entry.id, Task.kind == "step"))
    )
    assert "open" not in statuses and "cancelled" in statuses
    assert not any("计划节点" in r for r in lights_for([entry], today)[entry.id].reasons)
    with pytest.raises(DomainError):  # registered before it was signed
        stages.advance(
            p["member"],
            entry,
            State.LANDED,
            stages.StageEvidence(on=date(2026, 10, 29), uscc="91340600MA2PBM9HXD"),
            now,
            today,
        )


def test_absurd_dates_are_refused(target, client, login):
    p, entry = target
    with pytest.raises(DomainError):
        log(p, entry, datetime(1, 1, 1, 12, tzinfo=UTC))
    login(p["member"])
    form = {"occurred_on": "0001-01-02", "kind": "phone", "summary": "x", "participants": [p["member"].id]}
    page = client.post(f"/plans/entries/{entry.id}/log", data=form).data.decode()
    assert "is-invalid" in page
    assert db.session.scalar(select(ContactLog.id)) is None


def test_a_missing_attachment_file_is_a_404(target, client, login, tmp_path):
    p, entry = target
    data = logs.LogData(ASSIGNED_AT, "visit", "附件", attachment=logs.Upload("a.pdf", b"%PDF-1.4"))
    saved = logs.record_log(p["member"], entry, data, ASSIGNED_AT, tmp_path)  # stored outside UPLOAD_FOLDER
    login(p["member"])
    assert client.get(f"/plans/logs/{saved.id}/attachment").status_code == 404


def test_participants_must_be_in_the_team(target):
    p, entry = target
    with pytest.raises(DomainError):
        log(p, entry, ASSIGNED_AT, participant_ids=[p["other_member"].id])


def test_who_is_in_a_targets_team_comes_from_their_teams_and_follows_a_membership_change(app, target):
    """in_team reads the user's team ids (once per request, with the scope), not the team's people; a membership
    written in the request counts at once."""
    from crm.plans.policy import can_log, in_team
    from crm.teams.models import TeamMember

    p, entry = target
    with app.test_request_context("/"):
        assert in_team(p["member"], entry) and in_team(p["lead"], entry)  # a member and the team's leader
        assert not in_team(p["member_b"], entry) and not in_team(p["other_member"], entry)
        assert (
            not can_log(p["member_b"], entry) and can_log(p["head"], entry) and can_log(p["manager"], entry)
        )
        db.session.add(TeamMember(team_id=entry.team_id, user_id=p["member_b"].id))
        db.session.flush()
        assert in_team(p["member_b"], entry) and can_log(p["member_b"], entry)
        db.session.rollback()  # the membership never happened: nor does it count
        assert not in_team(p["member_b"], entry) and not can_log(p["member_b"], entry)


def test_my_tasks_shows_only_steps_still_mine_and_open(target, now):
    """Which steps to show is settled first; the steps are then loaded with their targets, and one completed or
    handed to someone else in between is left out."""
    from crm.plans.queries import _with_targets

    p, entry = target
    mine = [t for t in plan_of(entry.id) if t.owner_id == p["member"].id]
    done, handed, kept = mine[0], mine[1], mine[2]
    done.status = DONE
    handed.owner_id = p["lead"].id
    db.session.commit()
    shown = _with_targets(p["member"], [done.id, handed.id, kept.id])
    assert [t.id for t in shown] == [kept.id]
    assert shown[0].entry.enterprise_name == "计划测试企业有限公司"
