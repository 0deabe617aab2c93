"""领导批示 screens: the entry page's section, writing one (bad input keeps what was typed), the steps from the
page, stale steps, and "my instructions"."""

from datetime import timedelta

from sqlalchemy import select

from crm.extensions import db
from crm.instructions.models import Instruction
from crm.types import local_date, utcnow
from tests.instructions.conftest import order


def test_a_leader_writes_a_batch_order_from_the_entry_page(worked, login, client):
    p, teams, entry, _other = worked
    login(p["manager"])
    page = client.get(f"/whitelist/{entry.id}").data.decode()
    assert 'data-testid="new-instruction"' in page
    form = {"kind": "action", "due_date": "", "text": "请本周内拜访企业"}
    response = client.post(f"/instructions/entries/{entry.id}/new", data=form)
    assert response.status_code == 422
    page = response.data.decode()
    assert "批办需要办理时限" in page and "请本周内拜访企业" in page  # the error in Chinese, the text kept
    assert db.session.scalar(select(db.func.count()).select_from(Instruction)) == 0
    due = (local_date(utcnow()) + timedelta(days=7)).isoformat()  # the page runs on the real clock
    response = client.post(f"/instructions/entries/{entry.id}/new", data=form | {"due_date": due})
    assert response.status_code == 302 and response.location.endswith(f"/whitelist/{entry.id}#instructions")
    page = client.get(f"/whitelist/{entry.id}").data.decode()
    assert "请本周内拜访企业" in page and "待签收" in page


def test_staff_are_not_offered_to_write_one(worked, login, client):
    p, teams, entry, _other = worked
    for role in ("member", "lead"):
        login(p[role])
        assert 'data-testid="new-instruction"' not in client.get(f"/whitelist/{entry.id}").data.decode()
        assert client.get(f"/instructions/entries/{entry.id}/new").status_code == 403


def test_the_member_acknowledges_and_reports_from_my_instructions(worked, login, client, now):
    p, teams, entry, _other = worked
    instruction = order(p["manager"], entry, now)
    login(p["member"])
    page = client.get("/instructions/").data.decode()
    assert "请于本周内上门拜访" in page and 'data-testid="instruction-acknowledge"' in page
    back = {"back": "/instructions/"}
    response = client.post(f"/instructions/{instruction.id}/acknowledge", data={"version": "1"} | back)
    assert response.status_code == 302 and response.location.endswith("/instructions/")
    # an empty report: refused in words, nothing changed
    response = client.post(f"/instructions/{instruction.id}/report", data={"version": "2", "text": " "})
    assert response.status_code == 422 and "请填写办理情况" in response.data.decode()
    # a stale report (someone acted after the page was drawn): says who, keeps the text
    response = client.post(f"/instructions/{instruction.id}/report", data={"version": "1", "text": "已拜访"})
    assert response.status_code == 409
    assert p["member"].full_name in response.data.decode() and "已拜访" in response.data.decode()
    response = client.post(f"/instructions/{instruction.id}/report", data={"version": "2", "text": "已拜访"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Instruction, instruction.id).status == "reported"
    assert "请于本周内上门拜访" not in client.get("/instructions/").data.decode()

    login(p["manager"])
    page = client.get("/instructions/").data.decode()
    assert 'data-testid="instruction-close"' in page and "已拜访" in page
    response = client.post(f"/instructions/{instruction.id}/close", data={"version": "3"})
    assert response.status_code == 302
    page = client.get(f"/instructions/{instruction.id}").data.decode()
    assert "已销号" in page and "签收" in page and "反馈办理情况" in page


def test_an_instruction_out_of_scope_is_not_found(worked, login, client, now):
    p, teams, entry, other = worked
    theirs = order(p["other_head"], other, now)
    login(p["head"])
    assert client.get(f"/instructions/{theirs.id}").status_code == 404
    assert client.post(f"/instructions/{theirs.id}/acknowledge", data={"version": "1"}).status_code == 404
    assert client.get(f"/instructions/entries/{other.id}/new").status_code == 404
