"""Excel exports with openpyxl: Chinese headers, real numbers and dates, and no formula injection."""

from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO

from flask import Response, send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# A spreadsheet treats text starting with these as a formula (or, for tab and CR, as a hidden one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP's CSV-injection advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: Iterable[Iterable]
    widths: list[int] | None = None


def build(sheets: list[Sheet]) -> BytesIO:
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        for i, width in enumerate(sheet.widths or [max(10, len(h) * 2 + 2) for h in sheet.headers], start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        header = []
        for text in sheet.headers:
            cell = WriteOnlyCell(ws, value=neutralise(text))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        ws.freeze_panes = "A2"
        for row in sheet.rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(ws, value=neutralise(value))
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever openpyxl guesses
                cells.append(cell)
            ws.append(cells)
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out


def download(sheets: list[Sheet] | bytes, filename: str) -> Response:
    """The workbook of `sheets` (or a workbook already built) as an attachment named `filename`."""
    body = BytesIO(sheets) if isinstance(sheets, bytes) else build(sheets)
    return send_file(body, mimetype=XLSX, as_attachment=True, download_name=filename)
