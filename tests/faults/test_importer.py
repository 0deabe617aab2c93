"""kill -9 of the web worker while it commits a spreadsheet import: nothing of the batch is in the database (not
the enterprises, the proposals, their events, the update of an enterprise already on file, nor the import record),
and confirming the same upload again, served by the worker gunicorn started in its place, imports every row
exactly once. Real gunicorn, real HTTP, real SIGKILL, on SQLite and PostgreSQL."""

import random

import pytest
from sqlalchemy import func, select

from crm.demo import fictional_uscc
from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.imports.models import ImportBatch, ImportItem
from crm.whitelist.models import Event, WhitelistEntry
from tests.faults.conftest import STEP_TIMEOUT, assert_nothing_left_locked, kill_during, next_request
from tests.imports.test_import import HEADERS, xlsx

NAMES = ["东岳精密机械", "鲁西新能源科技", "运河生物制造", "水城智能装备", "凤凰新材料", "光岳电子信息",
         "古楼医药健康", "湖滨数字科技", "昌润食品", "金柱化工", "星辰航空部件", "瑞丰纺织"]  # fmt: skip
RNG = random.Random(26)
USCC = [fictional_uscc(RNG, "371502") for _ in range(len(NAMES) + 1)]
ON_FILE = "已在库故障导入企业有限公司"


def rows() -> list[list[str]]:
    """Row 1 carries the credit code of an enterprise on file (an update, then a proposal); 12 new ones follow."""
    first = ["东岳重工有限公司", USCC[0], "装备制造", "央企", "东昌府区", "夺标争先", "80000"]
    return [first] + [[f"{name}有限公司", USCC[i + 1], "装备制造", "", "东昌府区", "", str(1000 * (i + 1))]
                      for i, name in enumerate(NAMES)]  # fmt: skip


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def snapshot() -> tuple:
    on_file = db.session.scalar(select(Enterprise).where(Enterprise.uscc == USCC[0]))
    return (count(Enterprise), count(WhitelistEntry), count(ImportBatch), count(ImportItem), count(Event),
            on_file.name, on_file.version, sorted(c.tag_id for c in on_file.categories))  # fmt: skip


@pytest.mark.parametrize(
    ("match", "nth", "point"),
    [
        pytest.param(r"^INSERT INTO whitelist_entries", 6, "statement", id="after-6-of-13-rows"),
        pytest.param(r"^INSERT INTO import_items", 1, "commit", id="at-the-commit"),
    ],
)
def test_an_import_killed_mid_commit_writes_nothing_and_imports_once_when_confirmed_again(
    server, fault, make_user, make_enterprise, match, nth, point
):
    head = make_user("county_head", "371502", username="head_import")
    on_file = make_enterprise(head, name=ON_FILE, uscc=USCC[0])
    before, on_file_id = snapshot(), on_file.id
    browser = server.login(head)
    db.session.remove()

    upload = browser.post(f"{server.url}/imports/", data={"kind": "proposals"}, allow_redirects=False,
                          files={"file": ("目标企业.xlsx", xlsx(rows(), HEADERS))}, timeout=STEP_TIMEOUT)  # fmt: skip
    assert upload.status_code == 302, upload.text[:500]
    preview = upload.headers["Location"]
    page = browser.get(server.url + preview, timeout=STEP_TIMEOUT).text
    assert (
        'data-count-create="12"' in page
        and 'data-count-update="1"' in page
        and 'data-count-reject="0"' in page
    )

    hit = kill_during(server, fault, browser, preview, match, point, nth=nth, locked=("enterprises", on_file_id),
                      data={"confirm": "1"})  # fmt: skip

    db.session.remove()
    assert snapshot() == before  # no enterprise, proposal, event, item or batch; the update undone too
    assert_nothing_left_locked(hit["backend_pid"], "enterprises", on_file_id)
    stored = list((server.uploads / "imports").glob("*.bin"))
    assert len(stored) == 1  # the upload is kept, so the user can confirm it again

    next_request(server, browser, preview, hit["pid"])
    done = browser.post(
        server.url + preview, data={"confirm": "1"}, allow_redirects=False, timeout=STEP_TIMEOUT
    )
    assert done.status_code == 302 and "/imports/batches/" in done.headers["Location"], done.text[:500]
    db.session.remove()
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.status, batch.created_count, batch.updated_count, batch.skipped_count) == (
        "committed",
        12,
        1,
        0,
    )
    assert count(ImportBatch) == 1 and count(ImportItem) == 13
    assert count(Enterprise) == before[0] + 12 and count(WhitelistEntry) == 13
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.action == "propose")) == 13
    duplicated = select(Enterprise.uscc).group_by(Enterprise.uscc).having(func.count() > 1)
    assert db.session.scalars(duplicated).all() == []  # each row created exactly once
    updated = db.session.get(Enterprise, on_file_id)
    edits = select(func.count()).select_from(Event).where(Event.enterprise_id == on_file_id,
                                                          Event.action == "enterprise_edit")  # fmt: skip
    assert updated.name == "东岳重工有限公司" and db.session.scalar(edits) == 1  # updated exactly once
    assert not stored[0].exists()  # the upload is removed once imported
