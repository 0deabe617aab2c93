"""Reading an uploaded .xlsx or .csv (UTF-8 or GBK) into a header and rows of text, with clear refusals."""

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

MAX_ROWS = 20_000
# What the parts of an .xlsx may add up to once unpacked (the zip headers' sizes, which reading enforces). A sheet
# of MAX_ROWS rows unpacks to a few tens of MB; a "zip bomb" of a few MB to gigabytes, which would exhaust memory.
MAX_UNPACKED_BYTES = 200 * 2**20


class ImportFileError(Exception):
    """The file cannot be imported at all; str() is the message for the user."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (the row number the user sees in their spreadsheet, cells)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _table(rows: list[tuple[int, list[str]]]) -> Table:
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        raise ImportFileError(_("The file is empty."))
    (_header_row, headers), data = rows[0], rows[1:]
    if not data:
        raise ImportFileError(_("The file has a header row but no data rows."))
    if len(data) > MAX_ROWS:
        raise ImportFileError(_("The file has %(n)d rows; import at most %(max)d at a time.", n=len(data),
                                max=MAX_ROWS))  # fmt: skip
    width = len(headers)
    return Table(headers, [(n, (cells + [""] * width)[:width]) for n, cells in data])


def _unpacked_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(part.file_size for part in archive.infolist())


def read_xlsx(data: bytes) -> Table:
    try:
        if _unpacked_size(data) > MAX_UNPACKED_BYTES:
            raise ImportFileError(_("The workbook unpacks to more than %(mb)d MB; split it and import the parts.",
                                    mb=MAX_UNPACKED_BYTES // 2**20))  # fmt: skip
        book = load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportFileError(_("This is not a readable Excel (.xlsx) file.")) from error
    sheet = book.worksheets[0]
    if sheet.merged_cells.ranges:
        first = sorted(str(r) for r in sheet.merged_cells.ranges)[0]
        raise ImportFileError(
            _(
                "The sheet has merged cells (for example %(range)s). Unmerge them and import again.",
                range=first,
            )
        )
    rows = []
    for row in sheet.iter_rows():
        cells = []
        for cell in row:
            if cell.data_type == "f":
                raise ImportFileError(
                    _("Cell %(cell)s holds a formula. Paste the values instead of formulas and import again.",
                      cell=f"{get_column_letter(cell.column)}{cell.row}")
                )  # fmt: skip
            cells.append(_text(cell.value))
        if row:
            rows.append((row[0].row, cells))
    return _table(rows)


DELIMITERS = (",", "\t", ";")


def _encoding(data: bytes) -> str:
    """The file's encoding, decided before reading: a byte-order mark says it; otherwise UTF-8 if the whole file
    decodes as UTF-8, else GB18030 (a superset of GBK, what Excel's "CSV" saves on a Chinese Windows)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(_("The CSV file is neither UTF-8 nor GBK text."))


def _delimiter(text: str) -> str:
    """The delimiter that splits the header record into the most cells (a comma when none splits it). The csv
    Sniffer is not used: it guessed the quoting from the first 4 KB, and a file whose first doubled quote ("")
    came later was read with doubled quotes off."""
    widths = {d: len(next(csv.reader(io.StringIO(text, newline=""), delimiter=d), [])) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (widths[d], d == ","))


def read_csv(data: bytes) -> Table:
    """Every record of the file, read by the csv module over the decoded text with Excel's quoting throughout:
    a doubled quote inside a quoted cell is one quote, a line break inside a quoted cell stays in the cell."""
    text = data.decode(_encoding(data))
    if "\x00" in text:
        raise ImportFileError(_("This is not a text CSV file."))
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=_delimiter(text))
    try:
        rows = [(i, [c.strip() for c in row]) for i, row in enumerate(reader, start=1)]
    except csv.Error as error:  # a cell over the csv module's 128 KB limit
        raise ImportFileError(_("The CSV file cannot be read at line %(line)d: a cell is too long or its quotes "
                                "do not match.", line=reader.line_num)) from error  # fmt: skip
    return _table(rows)


def read_table(filename: str, data: bytes) -> Table:
    if not data:
        raise ImportFileError(_("The file is empty."))
    name = filename.lower()
    if name.endswith(".xls"):
        raise ImportFileError(_("Old .xls files cannot be read; save the file as .xlsx and import again."))
    if name.endswith(".xlsx"):
        return read_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        return read_csv(data)
    raise ImportFileError(_("Choose an Excel (.xlsx) or CSV file."))
