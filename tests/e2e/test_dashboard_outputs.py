"""The dashboard's outputs in a browser: the A4 print view (its SVG charts, and its PDF) and the Excel export, with
the projects of tests/e2e/dashboard_world.py signed this year."""

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from tests.e2e.dashboard_world import signed_this_year, wait_for_charts  # noqa: E402,F401
from tests.e2e.pages import (  # noqa: E402
    DESKTOP,
    console_errors,
    log_in,
    no_horizontal_scroll,
)

A4 = {"viewport": {"width": 794, "height": 1123}}
CJK = re.compile(r"[\u4e00-\u9fff]")
PDF_PAGE = re.compile(rb"/Type\s*/Page(?!s)")


def test_print_view_renders_svg_charts_and_prints_to_pdf(
    live_server,
    signed_this_year,  # noqa: F811
    new_page,
    demo_password,
    screenshot_dir,
):
    page = new_page(**A4)
    errors = console_errors(page)
    log_in(page, "manager", demo_password)
    page.goto("/dashboard/")
    href = page.get_by_test_id("print-view").get_attribute("href")
    page.get_by_test_id("print-view").click()
    expect(page).to_have_url(re.compile(r"/dashboard/print"))
    assert urlsplit(page.url).path == urlsplit(href).path
    charts = page.locator("div.chart[data-chart]")
    expect(charts).not_to_have_count(0)
    kinds = charts.evaluate_all("els => els.map(e => e.dataset.chart)")
    wait_for_charts(page, kinds, drawn="svg")
    expect(page.locator("div.chart canvas")).to_have_count(0)
    expect(page.get_by_test_id("goals")).to_be_visible()
    assert not errors, f"console errors on the print view: {errors}"
    assert no_horizontal_scroll(page), "the print view is wider than A4 (794 px)"
    page.screenshot(path=screenshot_dir / "dashboard-print.png", full_page=True)

    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    pages = len(PDF_PAGE.findall(pdf))
    assert 1 <= pages <= 4, f"the print view takes {pages} A4 pages"
    assert not errors, f"console errors: {errors}"


def test_export_downloads_a_workbook_with_chinese_headers(
    live_server,
    signed_this_year,  # noqa: F811
    new_page,
    demo_password,
):
    openpyxl = pytest.importorskip("openpyxl")
    page = new_page(accept_downloads=True, **DESKTOP)
    log_in(page, "manager", demo_password)
    page.goto("/dashboard/")
    with page.expect_download() as info:
        page.get_by_test_id("export").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    assert workbook.sheetnames
    first = workbook[workbook.sheetnames[0]]
    header = next(first.iter_rows(min_row=1, max_row=1, values_only=True))
    assert header and CJK.search(str(header[0])), f"the first header is not Chinese: {header!r}"
    assert any(CJK.search(name) for name in workbook.sheetnames), workbook.sheetnames
