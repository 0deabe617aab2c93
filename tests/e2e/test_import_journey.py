"""Browser journeys through the spreadsheet import, the merge of duplicate enterprises and the API documentation,
against the live app with CSRF on and the demo data loaded.

The import journey fills the template the app hands out with openpyxl (a real .xlsx), uploads it through the
XHR upload with its progress bar, reads the dry run, imports a corrected file of 2,000 rows, finds one of them on
the whitelist and reverts the import. Selectors rely on ids, names, data-testid and data-* attributes; visible-text
checks use the column headers of the template and messages that name a row and a column.
"""

import contextlib
import io
import random
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

pytest.importorskip("playwright")
openpyxl = pytest.importorskip("openpyxl")
from playwright.sync_api import Page, expect  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402

from crm.auth.models import User  # noqa: E402
from crm.demo import fictional_uscc  # noqa: E402
from crm.enterprises.services import EnterpriseData, create_enterprise  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.refdata.models import Industry, Region  # noqa: E402
from crm.types import utcnow  # noqa: E402
from crm.whitelist import services as wf  # noqa: E402
from tests.e2e.pages import (  # noqa: E402
    DESKTOP,
    PHONE,
    console_errors,
    list_total,
    log_in,
    no_horizontal_scroll,
)

DCF, DCF_NAME = "371502", "东昌府区"

# Committing or reverting 2,000 rows takes 15 s or so on SQLite alone, over a minute on PostgreSQL while CI runs
# the SQLite suite beside it on the same two cores; the page waits for it this long (a wait, not a timing test).
SLOW_MS = 240_000

TEMPLATE_SHEET = "目标企业"
INDUSTRIES = ("装备制造", "新能源", "生物制造", "未来材料")
BAD_INDUSTRY = "量子酿酒"  # not in the industry tree
LARGE_ROWS = 2_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_URL = re.compile(r"/imports/preview/[0-9a-f]{32}$")
BATCH_URL = re.compile(r"/imports/batches/(\d+)$")

# --- spreadsheets ----------------------------------------------------------------------------------------------


def credit_codes(n: int, seed: str) -> list[str]:
    """`n` different check-valid credit codes of 东昌府区, the same for the same seed."""
    rng, codes = random.Random(seed), []
    while len(codes) < n:
        code = fictional_uscc(rng, DCF)
        if code not in codes:
            codes.append(code)
    return codes


def target_rows(n: int, seed: str) -> list[dict[str, str]]:
    """`n` rows for 东昌府区, keyed by the template's headers (without the required-field asterisk)."""
    codes = credit_codes(n, seed)
    return [
        {
            "企业名称": f"聊城导入{i:04d}号精工{INDUSTRIES[i % len(INDUSTRIES)]}有限公司",
            "统一社会信用代码": codes[i],
            "所属产业": INDUSTRIES[i % len(INDUSTRIES)],
            "企业类别": "世界500强、央企" if i % 7 == 0 else "",
            "目标县(市、区)": DCF_NAME,
            "攻坚行动": "夺标争先" if i % 2 else "进位领跑",
            "计划总投资(万元)": str(10_000 + 37 * i),
        }
        for i in range(n)
    ]


def fill_template(template: bytes, rows: list[dict[str, str]]) -> bytes:
    """The downloaded template with its example row replaced by `rows`, as a user would fill it in."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book[TEMPLATE_SHEET]
    headers = [str(c.value or "").rstrip("*") for c in sheet[1]]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        assert set(row) <= set(headers), f"not in the template: {set(row) - set(headers)}"
        sheet.append([row.get(h, "") for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- page helpers ----------------------------------------------------------------------------------------------


def record_upload(page: Page) -> list[str]:
    """What the upload form shows while a file goes up: 'bar' when the progress bar appears, then each status
    text. `upload` installs the watchers on the form; they report through a binding that outlives the page."""
    seen: list[str] = []
    page.expose_function("reportUpload", lambda what: seen.append(what))
    return seen


WATCH_UPLOAD = """() => {
  const bar = document.getElementById('upload-progress');
  const status = document.getElementById('upload-status');
  new MutationObserver(() => { if (!bar.classList.contains('d-none')) window.reportUpload('bar'); })
    .observe(bar, {attributes: true, attributeFilter: ['class']});
  new MutationObserver(() => { if (status.textContent) window.reportUpload(status.textContent); })
    .observe(status, {childList: true, characterData: true, subtree: true});
}"""


def upload(page: Page, filename: str, data: bytes, kind: str = "proposals") -> None:
    """Choose the file on /imports/ and send it (watched when record_upload was called)."""
    form = page.get_by_test_id("import-form")
    form.locator("#file").set_input_files(files=[{"name": filename, "mimeType": XLSX, "buffer": data}])
    form.locator(f'input[name=kind][value="{kind}"]').check()
    page.evaluate(f"() => window.reportUpload && ({WATCH_UPLOAD})()")
    form.locator("button[type=submit]").click()


def counts(page: Page) -> dict[str, int]:
    box = page.get_by_test_id("counts")
    expect(box).to_be_visible()
    return {
        key: int(box.locator(f"[data-count-{key}]").get_attribute(f"data-count-{key}"))
        for key in ("create", "update", "duplicate", "reject")
    }


# --- journeys --------------------------------------------------------------------------------------------------


def test_county_head_imports_a_spreadsheet_and_reverts_it(new_page, demo_password, screenshot_dir):
    page = new_page(accept_downloads=True, **DESKTOP)
    errors = console_errors(page)
    log_in(page, "head_dcf", demo_password)
    page.goto("/imports/")
    expect(page.get_by_test_id("import-form")).to_be_visible()
    expect(page.locator("#upload-progress")).to_be_hidden()
    assert no_horizontal_scroll(page), "the upload page scrolls sideways at 1366 px"

    # The template downloads and opens: a sheet of Chinese headers with the columns the journey fills.
    with page.expect_download() as info:
        page.get_by_test_id("template").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    template = Path(download.path()).read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(template), read_only=True)
    assert book.sheetnames[0] == TEMPLATE_SHEET, book.sheetnames
    headers = [str(c.value or "").rstrip("*") for c in next(book[TEMPLATE_SHEET].iter_rows(max_row=1))]
    for header in target_rows(1, "x")[0]:
        assert header in headers, f"{header} is not a column of the template: {headers}"

    # A file with one bad row: three good rows for 东昌府区 and, in spreadsheet row 5, an unknown industry.
    rows = target_rows(4, "import-journey")
    rows[3]["所属产业"] = BAD_INDUSTRY
    upload(page, "东昌府区目标企业.xlsx", fill_template(template, rows))
    expect(page).to_have_url(PREVIEW_URL)
    assert counts(page) == {"create": 3, "update": 0, "duplicate": 0, "reject": 1}
    table = page.get_by_test_id("rows")
    rejected = table.locator('tr[data-action="reject"]')
    expect(rejected).to_have_count(1)
    expect(rejected).to_have_attribute("data-row", "5")
    expect(rejected).to_contain_text("第 5 行，所属产业列")
    expect(rejected).to_contain_text(BAD_INDUSTRY)
    expect(table.locator("tbody tr").first).to_have_attribute("data-action", "reject")  # problems first
    expect(table.locator('tr[data-action="create"]')).to_have_count(3)
    # The mapping found every column it was given by the template's headers.
    mapping = page.get_by_test_id("mapping")
    for key in ("name", "uscc", "industry", "categories", "region", "campaign", "planned_investment"):
        expect(mapping.locator(f'select[name="map_{key}"]')).not_to_have_value("-1")
    # Nothing can be confirmed while a row is rejected.
    confirm = page.get_by_test_id("confirm")
    expect(confirm).to_be_visible()
    expect(confirm.locator("button[type=submit]")).to_have_count(0)
    expect(confirm.locator('a[href="/imports/"]')).to_be_visible()
    assert no_horizontal_scroll(page), "the preview scrolls sideways at 1366 px"
    assert not errors, f"console errors: {errors}"
    page.screenshot(path=screenshot_dir / "import-preview.png", full_page=True)

    # A file the app cannot read comes back to the form with the reason (the upload page, written by import.js).
    confirm.locator('a[href="/imports/"]').click()
    expect(page).to_have_url(re.compile(r"/imports/$"))
    page.get_by_test_id("import-form").locator("#file").set_input_files(
        files=[{"name": "旧格式.xls", "mimeType": "application/vnd.ms-excel", "buffer": b"not a workbook"}]
    )
    page.get_by_test_id("import-form").locator("button[type=submit]").click()
    expect(page.locator(".alert-danger")).to_contain_text(".xlsx")
    expect(page.get_by_test_id("import-form")).to_be_visible()
    expect(page.get_by_test_id("import-form").locator("button[type=submit]")).to_be_enabled()

    # The corrected file, grown to 2,000 rows: the progress bar shows while it goes up and is checked.
    rows = target_rows(LARGE_ROWS, "import-journey")
    big = fill_template(template, rows)
    page.goto("/imports/")
    seen = record_upload(page)
    upload(page, "东昌府区目标企业（修正）.xlsx", big)
    # Shown at once; it may be gone again before Playwright looks, but the observers saw it either way.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_selector("#upload-progress:not(.d-none)", timeout=2_000)
    expect(page).to_have_url(PREVIEW_URL, timeout=SLOW_MS)
    assert "bar" in seen, f"the progress bar never showed: {seen}"
    assert any("上传" in s or "校验" in s for s in seen), f"no upload status was shown: {seen}"
    assert counts(page) == {"create": LARGE_ROWS, "update": 0, "duplicate": 0, "reject": 0}
    expect(page.get_by_test_id("rows").locator("tbody tr")).to_have_count(500)  # the first 500 are shown
    confirm = page.get_by_test_id("confirm")
    expect(confirm.locator("input[name=include_flagged]")).to_have_count(0)  # no possible duplicates
    button = confirm.locator("button[type=submit]")
    expect(button).to_have_text("确认导入")
    button.click(timeout=SLOW_MS)  # the click waits for the navigation it starts

    # The import record: every row created, a proposal for each.
    expect(page).to_have_url(BATCH_URL, timeout=SLOW_MS)
    batch_url = urlsplit(page.url).path
    expect(page.locator(".alert-success")).to_contain_text(f"新建 {LARGE_ROWS} 个")
    expect(page.locator("main")).to_contain_text(
        f"共 {LARGE_ROWS} 行：新建 {LARGE_ROWS} 个，更新 0 个，跳过 0 个"
    )
    items = page.get_by_test_id("items").locator("tbody tr")
    expect(items).to_have_count(LARGE_ROWS)
    expect(items.first.locator("td").first).to_have_text("2")
    expect(items.first.locator('a[href^="/whitelist/"]')).to_have_count(1)
    expect(page.get_by_test_id("reverted")).to_have_count(0)

    # One of the imported names is on the county's whitelist, proposed.
    name = rows[1234]["企业名称"]
    page.goto(f"/whitelist/?q={name}")
    assert list_total(page) == 1
    row = page.get_by_test_id("whitelist-table").locator("tbody tr").filter(has_text=name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(DCF_NAME)
    row.locator(f"a:text-is('{name}')").click()
    expect(page).to_have_url(re.compile(r"/whitelist/\d+$"))
    entry_url = urlsplit(page.url).path
    enterprise_link = page.locator('main a[href^="/enterprises/"]').first.get_attribute("href")

    # Revert: the confirm dialog is accepted, the record says so, and the rows are gone.
    page.goto(batch_url)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.locator(f'form[action="{batch_url}/revert"] button[type=submit]').click(timeout=SLOW_MS)
    expect(page.get_by_test_id("reverted")).to_be_visible(timeout=SLOW_MS)
    assert dialogs and "撤销" in dialogs[0], dialogs
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(f'form[action="{batch_url}/revert"]')).to_have_count(0)
    page.goto(f"/whitelist/?q={name}")
    assert list_total(page) == 0
    # (Asked without loading them in the page, whose console would log the 404s.)
    assert page.request.get(entry_url).status == 404
    assert enterprise_link and page.request.get(enterprise_link).status == 404
    page.goto("/imports/batches")
    expect(page.get_by_test_id("batches").locator("tbody tr")).to_have_count(1)
    assert not errors, f"console errors: {errors}"


def test_the_upload_page_fits_a_phone(new_page, demo_password):
    page = new_page(**PHONE)
    errors = console_errors(page)
    log_in(page, "head_dcf", demo_password)
    page.goto("/imports/")
    form = page.get_by_test_id("import-form")
    expect(form).to_be_visible()
    assert no_horizontal_scroll(page), "the upload page scrolls sideways on a 390-px phone"
    for control in ("#file", "#kind-proposals", "#kind-enterprises", "button[type=submit]"):
        element = form.locator(control)
        expect(element).to_be_visible()
        box = element.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1, f"{control} is off screen: {box}"
    expect(page.get_by_test_id("template")).to_be_visible()
    assert not errors, f"console errors: {errors}"


# --- merging duplicates ----------------------------------------------------------------------------------------

SURVIVOR = "聊城合并测试精密机械有限公司"
DUPLICATE = "聊城合并测试精密机械股份有限公司"  # the same name once the legal form is left out
REASON = "同一家企业重复建档：股份制改造前后的名称。"


@pytest.fixture
def look_alikes(app, live_server) -> tuple[int, int, str]:
    """(survivor id, duplicate id, the duplicate's credit code): a bare record and a look-alike with a credit code,
    a headquarters and a proposal for 东昌府区."""
    with app.app_context():
        now = utcnow()
        lead = db.session.scalar(select(User).where(User.username == "lead1"))
        industry = db.session.scalar(select(Industry.id).where(Industry.name == "装备制造"))
        region = db.session.scalar(select(Region.id).where(Region.code == DCF))
        survivor = create_enterprise(EnterpriseData(name=SURVIVOR, industry_id=industry), lead, now)
        uscc = credit_codes(1, "merge-journey")[0]
        data = EnterpriseData(name=DUPLICATE, uscc=uscc, hq="上海市", website="https://example.com/merge")
        duplicate = create_enterprise(data, lead, now)
        entry = wf.EntryData(region_id=region, industry_id=industry, campaign="duobiao", planned_investment=30000,
                             summary=f"{DUPLICATE}拟在{DCF_NAME}扩产。")  # fmt: skip
        wf.propose(lead, duplicate, entry, now)
        ids = survivor.id, duplicate.id
        db.session.remove()  # hold no connection (no SQLite lock) while the browser works
    return *ids, uscc


def test_manager_merges_a_duplicate_enterprise(look_alikes, new_page, demo_password, screenshot_dir):
    survivor_id, duplicate_id, uscc = look_alikes
    page = new_page(**DESKTOP)
    errors = console_errors(page)
    log_in(page, "manager", demo_password)
    page.goto(f"/enterprises/{survivor_id}")
    page.locator(f'main a[href="/enterprises/{survivor_id}/merge"]').click()
    expect(page).to_have_url(re.compile(rf"/enterprises/{survivor_id}/merge$"))

    # The look-alike is among the suggestions; comparing it previews the merge.
    suggestion = page.get_by_test_id("merge-suggestions").locator("li").filter(has_text=DUPLICATE)
    expect(suggestion).to_have_count(1)
    suggestion.locator(f'a[href$="duplicate={duplicate_id}"]').click()
    expect(page).to_have_url(re.compile(rf"/enterprises/{survivor_id}/merge\?duplicate={duplicate_id}$"))
    expect(page.get_by_test_id("merge-problem")).to_have_count(0)
    moves = page.get_by_test_id("merge-moves")
    expect(moves.locator("li")).not_to_have_count(0)
    expect(moves.locator("li").first.locator("span").last).to_have_text("1")  # the duplicate's entry
    fills = page.get_by_test_id("merge-fills")
    expect(fills).to_contain_text(uscc)
    expect(fills).to_contain_text("上海市")
    assert no_horizontal_scroll(page), "the merge preview scrolls sideways at 1366 px"
    page.screenshot(path=screenshot_dir / "merge-preview.png", full_page=True)

    # A reason is required; with it, the merge goes through to the survivor's page.
    page.locator("#reason").fill(REASON)
    page.locator("main form[method=post] button.btn-danger[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/enterprises/{survivor_id}$"))
    expect(page.locator(".alert-success")).to_contain_text(DUPLICATE)
    merges = page.get_by_test_id("merges")
    expect(merges).to_contain_text(DUPLICATE)
    expect(merges).to_contain_text(uscc)
    expect(merges).to_contain_text(REASON)
    expect(merges).to_contain_text(f"#{duplicate_id}")
    expect(page.locator("main")).to_contain_text(uscc)  # the survivor took the duplicate's credit code
    assert not errors, f"console errors: {errors}"

    response = page.goto(f"/enterprises/{duplicate_id}")
    assert response is not None and response.status == 404


# --- API docs and tokens ---------------------------------------------------------------------------------------


def test_api_docs_render_locally_and_a_token_calls_the_api(
    live_server, new_page, demo_password, screenshot_dir
):
    page = new_page(**DESKTOP)
    errors = console_errors(page)
    requested: list[str] = []
    page.context.on("request", lambda request: requested.append(request.url))
    log_in(page, "manager", demo_password)

    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)
    expect(page.locator(".swagger-ui .opblock")).not_to_have_count(0)
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert any(urlsplit(u).path == "/api/v1/openapi.json" for u in requested), requested
    foreign = [u for u in requested if not (u.startswith(live_server + "/") or u.startswith("data:"))]
    assert not foreign, f"requests to other hosts: {foreign}"
    assert not errors, f"console errors on the API docs: {errors}"
    page.screenshot(path=screenshot_dir / "api-docs.png")  # the first screen: the schemas below run long

    # A personal token, created on the tokens page and shown once, calls the API; the session alone does not.
    page.goto("/auth/tokens")
    page.locator("#name").fill("端到端测试脚本")
    page.locator("#days").select_option(value="30")
    page.locator("main form:has(#name) button").click()
    shown = page.get_by_test_id("new-token").locator("code")
    expect(shown).to_be_visible()
    token = shown.inner_text().strip()
    assert len(token) >= 20 and " " not in token, token
    listed = page.get_by_test_id("tokens").locator("tbody tr").filter(has_text="端到端测试脚本")
    expect(listed).to_have_count(1)
    page.goto("/auth/tokens")  # (not a reload: that would post the form again)
    expect(page.get_by_test_id("new-token")).to_have_count(0)  # shown once only
    expect(listed).to_have_count(1)
    expect(page.get_by_test_id("tokens")).not_to_contain_text(token)

    answer = page.request.get("/api/v1/entries", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200, answer.text()
    body = answer.json()
    assert isinstance(body.get("items"), list) and body["items"], body
    refused = page.request.get("/api/v1/entries")  # the browser's session cookie only
    assert refused.status == 401, refused.text()
    assert refused.json()["error"]["code"] == "token_missing", refused.json()
    assert not errors, f"console errors: {errors}"
