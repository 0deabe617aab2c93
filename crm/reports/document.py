"""The report as a Word document (python-docx): headings, the dashboard's tables and the charts.

The base document is REPORT_TEMPLATE when configured (a .docx an administrator provides: its styles, page setup,
letterhead, header and footer are kept, its body is replaced), else python-docx's default with 宋体 as the East
Asian font."""

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from flask import current_app
from flask_babel import gettext as _

from crm.formatting import local_time
from crm.reports import charts
from crm.reports.content import Report
from crm.vocab import SEVERITY_LABELS
from crm.xlsx import Sheet

EAST_ASIAN_FONT = "宋体"
NUMBERS = "一二三四五六七八九十"


def _base() -> DocumentObject:
    template = current_app.config.get("REPORT_TEMPLATE")
    if template and Path(template).exists():
        doc = Document(template)
        body = doc.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):  # keep the page setup, drop the template's sample text
                body.remove(child)
        return doc
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    return doc


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _table(doc: DocumentObject, headers: list[str], rows: Iterable[Iterable]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
        for run in cell.paragraphs[0].runs:
            run.bold = True
    count = 0
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = _cell(value)
        count += 1
    if not count:
        table.add_row().cells[0].text = _("None")


def _sheet(doc: DocumentObject, sheet: Sheet) -> None:
    _table(doc, sheet.headers, sheet.rows)


def _heading(doc: DocumentObject, number: int, text: str) -> None:
    doc.add_heading(f"{NUMBERS[number]}、{text}", level=1)


def _picture(doc: DocumentObject, png: bytes) -> None:
    doc.add_picture(BytesIO(png), width=Cm(15))


def build(report: Report) -> bytes:
    """The report as .docx bytes."""
    dash = report.dash
    doc = _base()
    doc.add_heading(report.title, level=0)
    doc.add_paragraph(
        _("Period: %(start)s to %(end)s. Figures as of %(at)s (the dashboard's on that day).",
          start=report.period.start.isoformat(), end=report.period.end.isoformat(), at=local_time(dash.computed_at))
    )  # fmt: skip

    _heading(doc, 0, _("Progress towards the year's goals"))
    _sheet(doc, report.sheets[_("Goals")])
    shown = [g for g in dash.goals if g.percent is not None]
    if shown:
        _picture(doc, charts.progress_chart([g.label for g in shown], [float(g.percent or 0) for g in shown]))

    _heading(doc, 1, _("Signings and funds in the period"))
    doc.add_paragraph(
        _("Projects signed in the period: %(count)d, contract amount %(amount)s 万元; verified 到位资金 that arrived "
          "in the period: %(funds)s 万元 (awaiting the city's verification: %(pending)s 万元).",
          count=report.signed.count.value, amount=f"{report.signed.amount:,}", funds=f"{report.funds.total:,}",
          pending=f"{report.funds.pending.value:,}")
    )  # fmt: skip
    _table(
        doc,
        [_("Project"), _("Enterprise"), _("County"), _("Signed on"), _("Contract amount (万元)"),
         _("Planned investment (万元)")],
        [(p.name, p.enterprise, p.county, p.signed_on.isoformat(), p.amount, p.planned)
         for p in report.signed_projects],
    )  # fmt: skip

    _heading(doc, 2, _("Red and yellow targets"))
    _sheet(doc, report.sheets[_("Stuck targets")])

    _heading(doc, 3, _("Open follow-up orders (督办)"))
    doc.add_paragraph(_("Open follow-up orders: %(n)d.", n=dash.orders.open_orders))
    _table(
        doc,
        [_("Level"), _("Enterprise"), _("Plan step"), _("Days overdue"), _("Sent to")],
        [
            (
                SEVERITY_LABELS.get(o.severity, o.severity),
                o.enterprise_name,
                o.task_title,
                o.overdue_days,
                o.recipient_name,
            )
            for o in dash.orders.rows
        ],
    )

    _heading(doc, 4, _("Rankings of the week %(start)s to %(end)s", start=dash.week.start.isoformat(),
                       end=dash.week.end.isoformat()))  # fmt: skip
    for title in (_("County ranking"), _("Team ranking")):
        doc.add_heading(title, level=2)
        _sheet(doc, report.sheets[title])
    for words in report.formula:
        doc.add_paragraph(words, style="List Bullet")

    _heading(doc, 5, _("The pipeline"))
    _sheet(doc, report.sheets[_("Funnel")])
    _picture(doc, charts.funnel_chart([s.label for s in dash.funnel], [s.count for s in dash.funnel]))
    if dash.weeks:
        _picture(
            doc,
            charts.weekly_chart([w.end.strftime("%m-%d") for w in dash.weeks], [w.signed for w in dash.weeks],
                                [w.pipeline for w in dash.weeks], _("Projects signed this year (cumulative)"),
                                _("In the pipeline")),
        )  # fmt: skip

    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def soffice() -> str | None:
    """LibreOffice's command when the server has it (Debian: libreoffice-writer-nogui), else None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: bytes, timeout: int = 120) -> bytes | None:
    """The document as PDF, converted by LibreOffice in a directory and profile of its own (two conversions at
    once must not share a profile); None when LibreOffice is missing or fails."""
    command = soffice()
    if command is None:
        return None
    with tempfile.TemporaryDirectory(prefix="crm-report-") as folder:
        source = Path(folder) / "report.docx"
        source.write_bytes(docx)
        try:
            subprocess.run(
                [command, "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to", "pdf",
                 "--outdir", folder, str(source)],
                capture_output=True, timeout=timeout, check=True,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            return None
        pdf = Path(folder) / "report.pdf"
        return pdf.read_bytes() if pdf.exists() else None
