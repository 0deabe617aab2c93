"""An import file cannot tie up a worker: a workbook whose sheet has too many rows or cells, or that unpacks to
more than IMPORT_MAX_UNPACKED_MB, is refused from its zip directory and a streaming count of its sheet's tags,
before openpyxl loads anything (a 0.9 MB file that unpacked to 190 MB took 248 s and 2 GB before the row limit
was seen). The workbooks are written by hand here, part by part, so that making one takes a moment."""

import io
import time
import zipfile

import pytest
from flask_babel import gettext as _
from openpyxl import Workbook

from crm.imports import reader
from tests.imports.test_import import head, upload  # noqa: F401
from tests.security.helpers import changes, snapshot

HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>企业名称*</t></is></c><c r="B1" t="inlineStr"><is><t>目标县(市、区)</t></is></c></row>'  # noqa: E501


def workbook(sheet_rows: str, extra: dict[str, bytes] | None = None, sheet_name: str = "sheet1.xml") -> bytes:
    """A minimal .xlsx whose first sheet holds `sheet_rows` (the XML of its rows)."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/{sheet_name}" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="名单" sheetId="1" r:id="rId7"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId7" Target="worksheets/{sheet_name}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet"/></Relationships>'
        ),
        f"xl/worksheets/{sheet_name}": (
            '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{HEADER}{sheet_rows}</sheetData></worksheet>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content.encode())
        for name, blob in (extra or {}).items():
            archive.writestr(name, blob)
    return out.getvalue()


def data_rows(first: int, last: int, extra_cells: str = "") -> str:
    return "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>限额测试{n}有限公司</t></is></c>'
        f'<c r="B{n}" t="inlineStr"><is><t>东昌府区</t></is></c>{extra_cells}</row>'
        for n in range(first, last + 1)
    )


def refused_quickly(client, data: bytes, message: str) -> None:
    before = snapshot()
    started = time.monotonic()
    response = upload(client, data, "大表.xlsx")
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and message in response.data.decode()
    assert elapsed < 3, f"the refusal took {elapsed:.1f} s"
    assert changes(before, snapshot()) == []


def test_a_handmade_workbook_is_read(head):  # noqa: F811
    """The helper's workbook is a real one: a small one imports (so the refusals below are for their size)."""
    _user, client = head
    table = reader.read_xlsx(workbook(data_rows(2, 3)))
    assert table.headers == ["企业名称*", "目标县(市、区)"] and table.rows[0] == (
        2,
        ["限额测试2有限公司", "东昌府区"],
    )
    assert upload(client, workbook(data_rows(2, 3)), "小表.xlsx").status_code == 302


def test_a_sheet_of_100000_rows_is_refused_before_loading(head):  # noqa: F811
    _user, client = head
    data = workbook(data_rows(2, 100_001))
    message = _(
        "The sheet has more than %(max)d rows; import at most %(max)d at a time.", max=reader.MAX_ROWS
    )
    refused_quickly(client, data, message)


def test_a_row_count_hidden_in_namespaced_tags_is_still_counted():
    """Some generators write a prefix (<x:row>): the count sees those rows too."""
    rows = "".join(f'<x:row r="{n}"><x:c r="A{n}"><x:v>{n}</x:v></x:c></x:row>' for n in range(2, 30_002))
    with pytest.raises(reader.ImportFileError, match="20000"):
        reader.read_xlsx(workbook(rows))


def test_a_sheet_of_millions_of_empty_cells_is_refused_before_loading(head):  # noqa: F811
    """Few rows, each with a thousand empty cells: within the size cap, but gigabytes once openpyxl holds them."""
    _user, client = head
    empty = "".join(f'<c r="{i}"/>' for i in range(1000))
    data = workbook(data_rows(2, 1_500, extra_cells=empty))
    message = _(
        "The sheet has more than %(n)d cells; delete the empty columns and rows, or split the file.",
        n=reader.CELL_SCAN_LIMIT,
    )
    refused_quickly(client, data, message)


def test_a_workbook_unpacking_past_the_setting_is_refused(head):  # noqa: F811
    """A huge shared-strings part (40 MB of one repeated string, ~40 KB packed): refused from the zip directory."""
    _user, client = head
    data = workbook(
        data_rows(2, 3), {"xl/sharedStrings.xml": b"<sst>" + b"<si><t>A</t></si>" * 2_500_000 + b"</sst>"}
    )
    assert len(data) < 2**20
    message = _("The workbook unpacks to more than %(mb)d MB; split it and import the parts.", mb=32)
    refused_quickly(client, data, message)


def test_the_unpacked_cap_is_a_setting_with_room_for_a_full_sheet(app, monkeypatch):
    """The default leaves room for MAX_ROWS realistic rows (measured: ~20 MB); a deployment may lower it."""
    assert app.config["IMPORT_MAX_UNPACKED_MB"] == 32
    book = Workbook()
    book.active.append(["企业名称*", "统一社会信用代码", "所属产业", "企业类别", "目标县(市、区)", "攻坚行动",
                        "招商方式", "计划总投资(万元)", "项目概况", "优先级"])  # fmt: skip
    row = ["聊城示例第12345号精密机械制造有限公司", "91371500MA00012345", "装备制造", "世界500强、央企", "东昌府区",
           "夺标争先", "并购招商", "123456", "年产10万套精密轴承项目，建设标准化厂房及配套设施", "一级(重点)"]  # fmt: skip
    for _n in range(1000):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(out) as archive:
        per_row = sum(p.file_size for p in archive.infolist()) / 1000
    assert per_row * reader.MAX_ROWS < 0.75 * reader.max_unpacked_bytes()
    monkeypatch.setitem(app.config, "IMPORT_MAX_UNPACKED_MB", 1)
    assert reader.max_unpacked_bytes() == 2**20
