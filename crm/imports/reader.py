"""Reading an uploaded .xlsx or .csv (UTF-8 or GBK) into a header and rows of text, with clear refusals."""

import codecs
import csv
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from xml.etree import ElementTree

from flask import current_app, has_app_context
from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

MAX_ROWS = 20_000
# What the parts of an .xlsx may add up to once unpacked (the zip headers' sizes, which reading enforces), unless
# the IMPORT_MAX_UNPACKED_MB setting says otherwise. MAX_ROWS realistic rows (ten columns: name, code, industry,
# categories, county, campaign, mode, investment, a one-line summary, priority) unpack to 20 MB and load in ~5 s;
# a "zip bomb" of a few MB unpacks to gigabytes, and a 190 MB sheet took minutes and 2 GB to load.
MAX_UNPACKED_BYTES = 32 * 2**20
# The rows of the first sheet are counted from its XML before openpyxl loads anything (a sheet with more than
# this many row elements is refused; the exact count of non-empty rows is checked again after loading).
ROW_SCAN_LIMIT = MAX_ROWS + 1 + 1000  # the header, and some empty formatted rows
# And its cells: openpyxl keeps an object of some 150 bytes per cell, so a sheet of a few million empty cells
# (<c r="A1"/>, a dozen bytes each, within the size cap) would still take gigabytes. The templates have ≤ 16 columns.
CELL_SCAN_LIMIT = (MAX_ROWS + 1) * 60
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
SMALL_PART = 2**20  # workbook.xml and its relationships are a few KB


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


def max_unpacked_bytes() -> int:
    if has_app_context() and current_app.config.get("IMPORT_MAX_UNPACKED_MB"):
        return int(current_app.config["IMPORT_MAX_UNPACKED_MB"]) * 2**20
    return MAX_UNPACKED_BYTES


def _first_sheet_part(archive: zipfile.ZipFile) -> str:
    """The zip part of the workbook's first sheet (the one openpyxl's worksheets[0] reads), from workbook.xml and
    its relationships; the first xl/worksheets/*.xml when they do not say."""
    names = set(archive.namelist())
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    try:
        if any(
            archive.getinfo(n).file_size > SMALL_PART
            for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
        ):
            raise ValueError("oversized workbook part")
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target") or "" for rel in rels if rel.tag.endswith("Relationship")}
        for sheet in book.iter():
            if sheet.tag.endswith("}sheet"):
                rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
                target = targets.get(rid, "")
                part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                if part in names:
                    return part
    except (KeyError, ElementTree.ParseError, ValueError):
        pass  # a workbook whose parts do not say which sheet is first: fall back to the first sheet part
    if not sheets:
        raise ImportFileError(_("This is not a readable Excel (.xlsx) file."))
    return sheets[0]


def _count_tags(archive: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """How many <row> and <c> elements the sheet's XML holds, counted while it is unpacked in chunks (nothing is
    parsed or kept: ~0.1 s for a sheet of MAX_ROWS rows); stops once past either limit."""
    rows = cells = 0
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(2**20):
            window = tail + chunk
            # Split at the last '<' near the end: a tag cut in two by the chunk is counted with the next one.
            cut = window.rfind(b"<", max(len(window) - 64, 0))
            cut = len(window) if cut < 0 else cut
            rows += len(ROW_TAG.findall(window, 0, cut))
            cells += len(CELL_TAG.findall(window, 0, cut))
            tail = window[cut:]
            if rows > ROW_SCAN_LIMIT or cells > CELL_SCAN_LIMIT:
                return rows, cells
    return rows + len(ROW_TAG.findall(tail)), cells + len(CELL_TAG.findall(tail))


def _check_size(data: bytes) -> None:
    """Refuse, before openpyxl loads anything, a workbook that unpacks to too much or whose sheet has too many rows
    (either took a worker minutes and gigabytes to load before the row limit was seen)."""
    limit = max_unpacked_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if sum(part.file_size for part in archive.infolist()) > limit:
            raise ImportFileError(_("The workbook unpacks to more than %(mb)d MB; split it and import the parts.",
                                    mb=limit // 2**20))  # fmt: skip
        rows, cells = _count_tags(archive, _first_sheet_part(archive))
        if rows > ROW_SCAN_LIMIT:
            raise ImportFileError(
                _("The sheet has more than %(max)d rows; import at most %(max)d at a time.", max=MAX_ROWS)
            )
        if cells > CELL_SCAN_LIMIT:
            raise ImportFileError(
                _("The sheet has more than %(n)d cells; delete the empty columns and rows, or split the file.",
                  n=CELL_SCAN_LIMIT)
            )  # fmt: skip


def read_xlsx(data: bytes) -> Table:
    try:
        _check_size(data)
        book = load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, zipfile.LargeZipFile) as error:
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
