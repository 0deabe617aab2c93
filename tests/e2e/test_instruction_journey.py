"""Browser journey of a 领导批示: the manager writes a 批办 on a target from its page, the target's owner (a member)
finds it in 我的批示, acknowledges it and reports what was done, and the manager closes it (销号).

Selectors rely on data-testid, name and id attributes; visible-text checks use the fixed vocabulary
(crm/vocab.py) and what the test typed."""

from datetime import timedelta

import pytest
from sqlalchemy import select

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from crm.auth.models import User  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.instructions.models import Instruction  # noqa: E402
from crm.types import local_date, utcnow  # noqa: E402
from crm.vocab import INSTRUCTION_STATUS, WORKING_STATES, Role  # noqa: E402
from crm.whitelist.models import WhitelistEntry  # noqa: E402
from tests.e2e.pages import log_in  # noqa: E402

TEXT = "请于下周前上门拜访企业负责人，摸清新项目用地需求并反馈。"
REPORT = "已上门拜访，企业需要高新区约50亩工业用地，已对接园区。"


def a_members_target(app) -> tuple[int, str]:
    """A worked target of the demo whose owner is a member: (its id, the owner's username)."""
    with app.app_context():
        row = db.session.execute(
            select(WhitelistEntry.id, User.username)
            .join(User, User.id == WhitelistEntry.owner_id)
            .where(User.role == Role.MEMBER, WhitelistEntry.state.in_(WORKING_STATES))
            .order_by(WhitelistEntry.id)
            .limit(1)
        ).one()
        db.session.remove()
        return row.id, row.username


def test_a_batch_order_goes_from_the_manager_to_the_member_and_back(app, new_page, demo_password):
    entry_id, member = a_members_target(app)
    due = (local_date(utcnow()) + timedelta(days=7)).isoformat()

    boss = new_page(viewport={"width": 1280, "height": 900})
    log_in(boss, "manager", demo_password)
    boss.goto(f"/whitelist/{entry_id}")
    boss.get_by_test_id("new-instruction").click()
    boss.locator("input[name=kind][value=action]").check()
    boss.locator("#due_date").fill(due)
    boss.locator("#text").fill(TEXT)
    boss.get_by_test_id("send-instruction").click()
    section = boss.get_by_test_id("instructions")
    expect(section.get_by_test_id("instruction-text")).to_contain_text(TEXT)
    expect(section.get_by_test_id("instruction-status")).to_have_text(INSTRUCTION_STATUS["pending"])

    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(phone, member, demo_password)
    phone.goto("/instructions/")
    todo = phone.get_by_test_id("instructions-to-handle").get_by_test_id("instruction").filter(has_text=TEXT)
    expect(todo).to_have_count(1)
    todo.get_by_test_id("instruction-acknowledge").click()
    todo = phone.get_by_test_id("instructions-to-handle").get_by_test_id("instruction").filter(has_text=TEXT)
    expect(todo.get_by_test_id("instruction-status")).to_have_text(INSTRUCTION_STATUS["in_progress"])
    todo.locator("textarea[name=text]").fill(REPORT)
    todo.get_by_test_id("instruction-report").click()
    expect(phone.get_by_test_id("instructions-to-handle").get_by_text(TEXT)).to_have_count(0)

    boss.goto("/instructions/")
    waiting = boss.get_by_test_id("instructions-to-close").get_by_test_id("instruction").filter(has_text=TEXT)
    expect(waiting).to_contain_text(REPORT)
    waiting.get_by_test_id("instruction-close").click()
    expect(boss.get_by_test_id("instructions-to-close").get_by_text(TEXT)).to_have_count(0)

    with app.app_context():
        instruction = db.session.scalar(select(Instruction).where(Instruction.text == TEXT))
        assert (instruction.status, instruction.report) == ("closed", REPORT)
        db.session.remove()
    phone.goto(f"/whitelist/{entry_id}")
    expect(phone.get_by_test_id("timeline")).to_contain_text("领导批示销号")
