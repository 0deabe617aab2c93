"""Browser journey: a county head's clerk imports her own messy list of about 300 well-known companies
(tests/e2e/messy_sheet.py) — credit codes full-width, hyphenated, spaced or pasted with invisible characters, the
bureau's words for categories and counties, the same company twice, short names of companies on file, a group and
its listed company, rows of other counties — decides row by row in the preview, and the import's record matches
the preview row by row."""

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from crm.auth.models import User  # noqa: E402
from crm.enterprises.models import Enterprise  # noqa: E402
from crm.enterprises.services import EnterpriseData, create_enterprise  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.imports.models import ImportBatch, ImportItem  # noqa: E402
from crm.refdata.models import Region  # noqa: E402
from crm.types import utcnow  # noqa: E402
from crm.whitelist.models import WhitelistEntry  # noqa: E402
from tests.e2e.messy_sheet import ON_FILE, codes, messy_rows  # noqa: E402
from tests.e2e.test_import_journey import (  # noqa: E402
    BATCH_URL,
    DCF,
    DESKTOP,
    PREVIEW_URL,
    SLOW_MS,
    console_errors,
    counts,
    fill_template,
    log_in,
    upload,
)


@pytest.fixture
def on_file(app, live_server) -> dict[str, object]:
    """The companies the sheet names by short name, on file under their legal names, and 比亚迪 with its code."""
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.username == "lead1"))
        byd_code = codes(1, "byd", "440300")[0]
        ids = {
            key: create_enterprise(
                EnterpriseData(name=name, uscc=byd_code if key == "byd" else None), lead, utcnow()
            ).id
            for key, name in ON_FILE.items()
        }
        db.session.remove()  # hold no connection (no SQLite lock) while the browser works
    return {**ids, "byd_code": byd_code}


def preview_rows(page) -> dict[int, dict]:
    """Every row of the preview: its outcome and the choice it carries (the select's value when it offers one)."""
    found = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=rows] tbody tr')].map(tr => ({
             row: Number(tr.dataset.row), action: tr.dataset.action, text: tr.innerText,
             choice: tr.querySelector('select[name^=decision_]')?.value ?? null,
             options: [...tr.querySelectorAll('select[name^=decision_] option')].map(o => o.value)}))"""
    )
    return {r["row"]: r for r in found}


def test_a_clerk_imports_a_messy_sheet_of_300_companies(
    app, on_file, new_page, demo_password, screenshot_dir
):
    page = new_page(**DESKTOP)
    errors = console_errors(page)
    log_in(page, "head_dcf", demo_password)
    page.goto("/imports/")
    template = page.request.get("/imports/template.xlsx").body()

    # First upload: one county is misspelt. The row is refused with the names it may have meant; nothing else is.
    rows, planted = messy_rows(on_file["byd_code"])
    assert len(rows) > 300
    upload(page, "东昌府区目标企业（秘书整理）.xlsx", fill_template(template, rows))
    expect(page).to_have_url(PREVIEW_URL, timeout=SLOW_MS)
    assert counts(page)["reject"] == 1
    bad = page.locator(f'tr[data-row="{planted.bad_region}"]')
    expect(bad).to_have_attribute("data-action", "reject")
    expect(bad).to_contain_text("东昌区")
    expect(bad).to_contain_text("最接近的是：东昌府区")
    expect(page.get_by_test_id("confirm").locator("button[type=submit]")).to_have_count(0)

    # The corrected file: every other spelling, category word and code is accepted.
    rows, planted = messy_rows(on_file["byd_code"], bad_region=None)
    page.goto("/imports/")
    upload(page, "东昌府区目标企业（修正）.xlsx", fill_template(template, rows))
    expect(page).to_have_url(PREVIEW_URL, timeout=SLOW_MS)
    preview_url = urlsplit(page.url).path
    assert counts(page)["reject"] == 0
    outside = page.get_by_test_id("outside")
    expect(outside).to_contain_text(f"{len(planted.other_counties)} 行")
    shown = preview_rows(page)
    assert len(shown) == len(rows)  # every row is shown (fewer than 500)
    assert {n for n, r in shown.items() if r["action"] == "outside"} == set(planted.other_counties)
    # What needs a choice comes first (possible duplicates before the rest), then the other counties' rows.
    order = [
        (r["action"] == "duplicate", len(r["options"]) > 1, r["action"] == "outside") for r in shown.values()
    ]
    assert order == sorted(order, key=lambda o: (not o[0], not o[1], not o[2])), order

    # The same company twice in the file: the repeat is flagged, naming the first row, and skipped unless chosen.
    for first, again in planted.twice.values():
        assert shown[first]["action"] == "create", shown[first]
        assert shown[again]["action"] == "duplicate" and f"第 {first} 行" in shown[again]["text"], shown[
            again
        ]
        assert shown[again]["choice"] == "skip"
    # Short names of companies on file are offered as updates of them.
    for key, number in planted.short_names.items():
        assert shown[number]["action"] == "duplicate", shown[number]
        assert f"update:{on_file[key]}" in shown[number]["options"]
        assert ON_FILE[key] in shown[number]["text"]
    # 比亚迪's code typed full-width is its code: an update of the record on file.
    assert shown[planted.by_code]["action"] == "update"
    assert shown[planted.by_code]["choice"] == f"update:{on_file['byd']}"
    # A group and its listed company, each with its own code: not duplicates, offered as one group.
    group, listed = planted.group
    assert shown[group]["action"] == shown[listed]["action"] == "create"
    assert f"parent_row:{group}" in shown[listed]["options"] and "同一集团" in shown[listed]["text"]

    # The clerk decides row by row.
    decide = {
        planted.short_names["tencent"]: f"update:{on_file['tencent']}",
        planted.short_names["unitree"]: "create",  # a different 宇树科技 in her view
        listed: f"parent_row:{group}",
        planted.twice["华为技术有限公司 "][1]: "skip",  # (the default, chosen explicitly)
    }
    for number, value in decide.items():
        page.locator(f'select[name="decision_{number}"]').select_option(value)
    page.screenshot(path=screenshot_dir / "import-messy-preview.png", full_page=False)
    shown = preview_rows(page)
    assert all(shown[n]["choice"] == v for n, v in decide.items())
    page.get_by_test_id("confirm").locator("button[type=submit]").click(timeout=SLOW_MS)
    expect(page).to_have_url(BATCH_URL, timeout=SLOW_MS)
    assert urlsplit(page.url).path != preview_url
    batch_id = int(BATCH_URL.search(page.url).group(1))

    # The record, row by row, is what the preview said.
    def chosen(r: dict) -> str:
        if r["action"] == "outside":
            return "skip"
        return r["choice"] or "create"  # a row nothing resembled offers no choice: it is created

    want = {n: chosen(r) for n, r in shown.items()}
    items = page.get_by_test_id("items").locator("tbody tr")
    listed_rows = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=items] tbody tr')].map(tr => ({
             row: Number(tr.cells[0].innerText), result: tr.cells[1].innerText,
             enterprise: tr.cells[2].querySelector('a')?.getAttribute('href') ?? null}))"""
    )
    written = {r["row"]: r for r in listed_rows}
    expect(items).to_have_count(len(written))
    assert set(written) == {n for n, c in want.items() if c != "skip"}
    for number, row in written.items():
        wanted = want[number]
        assert row["result"] == ("更新" if wanted.startswith("update:") else "新建"), (number, row, wanted)
        if wanted.startswith("update:"):
            assert row["enterprise"] == f"/enterprises/{wanted.split(':')[1]}", (number, row)
    skipped = sum(1 for c in want.values() if c == "skip")
    created = sum(1 for c in want.values() if c == "create" or c.startswith("parent"))
    expect(page.locator(".alert-success")).to_contain_text(
        f"新建 {created} 个，更新 {len(written) - created} 个，跳过 {skipped} 个"
    )
    assert not errors, f"console errors: {errors}"

    # And in the database: codes in their one form, the group joined, every proposal in the clerk's county.
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert (batch.created_count, batch.skipped_count) == (created, skipped)
        items_by_row = {
            i.row_number: i
            for i in db.session.scalars(select(ImportItem).where(ImportItem.batch_id == batch_id))
        }
        for number, code in planted.odd_codes.items():
            if number in items_by_row and want[number] == "create":
                assert db.session.get(Enterprise, items_by_row[number].enterprise_id).uscc == code
        parent = db.session.get(Enterprise, items_by_row[group].enterprise_id)
        assert db.session.get(Enterprise, items_by_row[listed].enterprise_id).parent_id == parent.id
        tencent = db.session.get(Enterprise, on_file["tencent"])
        assert tencent.name == ON_FILE["tencent"]  # the short name did not replace the legal name
        assert tencent.industry is not None  # … but the row's industry filled the record
        dcf = db.session.scalar(select(Region.id).where(Region.code == DCF))
        regions = db.session.scalars(
            select(WhitelistEntry.region_id).where(
                WhitelistEntry.id.in_(i.entry_id for i in items_by_row.values())
            )
        ).all()
        assert len(regions) == len(items_by_row) and set(regions) == {dcf}
        # The bureau's words for categories became the tags they mean.
        for word, code in (
            ("民营500强", "private_500"),
            ("专精特新小巨人", "little_giant"),
            ("链主企业", "chain_leader"),
        ):
            number = next(n for n, c in want.items() if c == "create" and rows[n - 2]["企业类别"] == word)
            enterprise = db.session.get(Enterprise, items_by_row[number].enterprise_id)
            assert code in {c.tag.code for c in enterprise.categories}, (number, word)
        db.session.remove()
