"""Two merges of the same pair: the second, whether it comes after the first or races it, is a 409 naming who
merged which record into which and when; never a 500 (it was ObjectDeletedError reloading the deleted record).
The race runs as real parallel requests against gunicorn with several workers on PostgreSQL."""

import os
import re
import subprocess
import sys
import threading
from collections import Counter

import pytest
import requests
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.enterprises import merge as merging
from crm.enterprises.models import Contact, Enterprise, EnterpriseMerge
from crm.extensions import db
from crm.formatting import local_time
from tests.conftest import PASSWORD
from tests.faults.conftest import ENV, ROOT, _stop, wait_for


@pytest.fixture
def pair(make_user, make_enterprise):
    manager = make_user("manager", username="merger_one")
    other = make_user("manager", username="merger_two")
    a = make_enterprise(manager, name="甲方精密机械有限公司")
    b = make_enterprise(manager, name="甲方精密机械（聊城）有限公司")
    db.session.add(Contact(enterprise_id=a.id, name="王经理"))
    db.session.commit()
    return {"manager": manager, "other": other, "a": a.id, "b": b.id,
            "versions": {a.id: a.version, b.id: b.version}}  # fmt: skip


def form(pair, duplicate: int, reason: str = "同一家企业") -> dict:
    survivor = pair["b"] if duplicate == pair["a"] else pair["a"]
    return {"duplicate_id": duplicate, "survivor_version": pair["versions"][survivor],
            "duplicate_version": pair["versions"][duplicate], "reason": reason}  # fmt: skip


def message(record: EnterpriseMerge) -> str:
    return _(
        "%(name)s (record #%(id)d) was merged into %(survivor)s by %(user)s at %(time)s. Reload the page.",
        name=record.merged_name, id=record.merged_id, survivor=db.session.get(Enterprise, record.survivor_id).name,
        user=record.actor.full_name, time=local_time(record.at),
    )  # fmt: skip


def test_a_second_merge_after_the_first_is_a_409_naming_who_merged_what(pair, client, login):
    a, b = pair["a"], pair["b"]
    login(pair["manager"])
    assert client.post(f"/enterprises/{b}/merge", data=form(pair, a)).status_code == 302  # A into B
    record = db.session.scalar(select(EnterpriseMerge))
    expected = message(record)
    assert "甲方精密机械有限公司" in expected and pair["manager"].full_name in expected

    login(pair["other"])
    # The opposite merge, from a page opened before: its survivor A is gone.
    response = client.post(f"/enterprises/{a}/merge", data=form(pair, b, reason="我这边也发现了重复"))
    page = response.data.decode()
    assert response.status_code == 409 and expected in page
    # The same merge again, from another tab: its duplicate A is gone.
    response = client.post(f"/enterprises/{b}/merge", data=form(pair, a))
    assert response.status_code == 409 and expected in response.data.decode()
    assert db.session.scalar(select(func.count()).select_from(EnterpriseMerge)) == 1
    assert db.session.get(Enterprise, b) is not None


def test_the_service_re_reads_under_the_lock(pair, now):
    """Objects loaded before another merge deleted one of them: the service says who merged it, not a 500."""
    a_obj, b_obj = db.session.get(Enterprise, pair["a"]), db.session.get(Enterprise, pair["b"])
    merging.merge(pair["manager"], b_obj, a_obj, "同一家企业", None, None, now)
    db.session.expire_all()
    stale_a = Enterprise(id=pair["a"], name="甲方精密机械有限公司", version=1)  # what the other request held
    with pytest.raises(merging.MergedAway) as raised:
        merging.merge(
            pair["other"], stale_a, db.session.get(Enterprise, pair["b"]), "反向合并", None, None, now
        )
    assert pair["manager"].full_name in str(raised.value)


@pytest.fixture
def live(app, tmp_path):
    """gunicorn with four sync workers on the suite's PostgreSQL database: requests really run at once."""
    log, plan = tmp_path / "gunicorn.log", tmp_path / "plan.json"
    env = {**ENV, "FAULT_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "FAULT_PLAN": str(plan),
           "FAULT_UPLOAD_FOLDER": str(tmp_path / "uploads")}  # fmt: skip
    command = [sys.executable, "-m", "gunicorn", "--workers", "4", "--worker-class", "sync",
               "--bind", "127.0.0.1:0", "--timeout", "60", "--error-logfile", str(log), "--log-level", "info",
               "tests.faults.slow_wsgi:app"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    try:

        def listening():
            assert process.poll() is None, log.read_text() if log.exists() else "gunicorn exited"
            found = re.search(r"Listening at: (http://\S+)", log.read_text()) if log.exists() else None
            return found and log.read_text().count("Booting worker") >= 4 and found.group(1)

        yield wait_for(listening, "gunicorn's four workers", timeout=60)
    finally:
        _stop(process)


@pytest.mark.skipif("postgresql" not in os.environ.get("TEST_DATABASE_URL", ""), reason="needs PostgreSQL")
def test_opposite_merges_at_once_give_one_success_and_409s(pair, live):
    a, b = pair["a"], pair["b"]
    sessions = []
    for user in [pair["manager"], pair["other"]] * 6:
        session = requests.Session()
        answer = session.post(f"{live}/auth/login", data={"username": user.username, "password": PASSWORD},
                              allow_redirects=False, timeout=30)  # fmt: skip
        assert answer.status_code == 302
        sessions.append(session)
    # Six merge A into B, six B into A, all released at once.
    jobs = [(f"/enterprises/{b}/merge", form(pair, a)) if i % 2 else (f"/enterprises/{a}/merge", form(pair, b))
            for i in range(12)]  # fmt: skip
    start, answers = threading.Barrier(12), [None] * 12

    def send(i: int) -> None:
        path, data = jobs[i]
        start.wait(timeout=30)
        answers[i] = sessions[i].post(live + path, data=data, allow_redirects=False, timeout=60)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    codes = Counter(answer.status_code for answer in answers)
    assert codes == {302: 1, 409: 11}, codes
    db.session.expire_all()
    record = db.session.scalar(select(EnterpriseMerge))
    assert db.session.scalar(select(func.count()).select_from(EnterpriseMerge)) == 1
    assert db.session.get(Enterprise, record.merged_id) is None
    expected = message(record)
    refused = [answer.text for answer in answers if answer.status_code == 409]
    # Each loser says who merged what, unless it lost to the version check before the winner committed.
    assert all(
        expected in page or "Reload" in page or "重新加载" in page or "刷新" in page for page in refused
    )
    assert sum(expected in page for page in refused) >= 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(Contact).where(Contact.enterprise_id == record.survivor_id)
        )
        == 1
    )
