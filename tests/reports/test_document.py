"""The weekly and monthly reports as Word documents: their tables hold the dashboard's figures for the same day,
a county head's holds only their county, and python-docx reads the file back."""

import shutil
import subprocess
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document

from crm.dashboard.export import dashboard_sheets
from crm.dashboard.period import Period
from crm.dashboard.services import collect
from crm.reports import charts, document
from crm.reports.content import MONTHLY, WEEKLY, period_for, report
from tests.dashboard.conftest import TODAY


def read(data: bytes):
    doc = Document(BytesIO(data))
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables]
    text = (
        "\n".join(p.text for p in doc.paragraphs) + "\n" + "\n".join("\t".join(r) for t in tables for r in t)
    )
    return doc, tables, text


def as_text(rows) -> list[list[str]]:
    return [[document._cell(v) for v in row] for row in rows]


@pytest.mark.parametrize(
    ("kind", "published", "expected"),
    [
        (
            WEEKLY,
            date(2026, 12, 7),
            Period(date(2026, 11, 30), date(2026, 12, 6)),
        ),  # a Monday: the week before
        (WEEKLY, date(2026, 12, 9), Period(date(2026, 11, 30), date(2026, 12, 6))),  # rebuilt on Wednesday
        (MONTHLY, date(2027, 1, 4), Period(date(2026, 12, 1), date(2026, 12, 31))),  # across the year
        (MONTHLY, date(2026, 3, 2), Period(date(2026, 2, 1), date(2026, 2, 28))),
    ],
)
def test_an_edition_reports_the_week_or_month_before_it(kind, published, expected):
    assert period_for(kind, published) == expected


def test_the_weekly_report_holds_the_dashboards_figures(app, world):
    p, _teams, _entries = world
    manager = p["manager"]
    data = document.build(report(manager, WEEKLY, TODAY))
    doc, tables, text = read(data)
    dash = collect(manager, 2026, TODAY)  # the dashboard of the same day, computed apart
    goals = dashboard_sheets(dash)[0]
    assert tables[0] == [goals.headers] + as_text(goals.rows)
    for title in ("县区排名", "团队排名"):
        ranking = next(s for s in dashboard_sheets(dash) if s.title == title)
        assert [ranking.headers] + as_text(ranking.rows) in tables
    # The period's signings: P11 (茌平区, 11-18) in the week of 11-16 to 11-22.
    signed = next(t for t in tables if t[0][0] == "项目" and "签约日期" in t[0])
    assert [row[0] for row in signed[1:]] == ["P11测试项目"]
    assert "2026-11-16" in text and "2026-11-22" in text
    # The red and yellow targets with their reasons, and the open 督办.
    assert "E1测试企业有限公司" in text and "E5测试企业有限公司" in text
    assert "红色督办" in text
    assert len(doc.inline_shapes) >= 3  # the progress, funnel and weekly charts


def test_a_county_heads_report_holds_only_their_county(app, world):
    p, _teams, _entries = world
    _doc, _tables, text = read(document.build(report(p["head"], MONTHLY, date(2026, 12, 1))))
    assert "东昌府区" in text
    # November's counted signings are P11 (茌平区) only; P10f (东昌府区) is a framework agreement.
    assert (
        "P11测试项目" not in text and "E11测试企业有限公司" not in text and "E4测试企业有限公司" not in text
    )
    assert "P10f测试项目" not in text
    _doc, _tables, city = read(document.build(report(p["manager"], MONTHLY, date(2026, 12, 1))))
    assert "P11测试项目" in city and "P10f测试项目" not in city


def test_the_charts_are_drawn_with_a_chinese_font():
    png = charts.funnel_chart(["已入库", "对接中"], [3, 1])
    assert png.startswith(b"\x89PNG")
    if any(Path(f).exists() for f in charts.FONT_FILES):
        assert charts.cjk_font() is not None


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs libreoffice-writer-nogui)"
)
def test_libreoffice_converts_the_report_to_pdf(app, world, tmp_path):
    p, _teams, _entries = world
    source = tmp_path / "weekly.docx"
    source.write_bytes(document.build(report(p["manager"], WEEKLY, TODAY)))
    result = subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "weekly.pdf"
    assert result.returncode == 0 and pdf.exists(), result.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_an_administrators_template_gives_the_report_its_letterhead(app, world, tmp_path, monkeypatch):
    p, _teams, _entries = world
    template = Document()
    template.sections[0].header.paragraphs[0].text = "聊城市投资促进局（内部资料）"
    template.add_paragraph("模板示例正文，生成报告时删除")
    path = tmp_path / "letterhead.docx"
    template.save(path)
    monkeypatch.setitem(app.config, "REPORT_TEMPLATE", str(path))
    doc, _tables, text = read(document.build(report(p["manager"], WEEKLY, TODAY)))
    assert doc.sections[0].header.paragraphs[0].text == "聊城市投资促进局（内部资料）"
    assert "模板示例正文" not in text and "工作周报" in doc.paragraphs[0].text
