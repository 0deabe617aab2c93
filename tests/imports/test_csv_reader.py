"""CSV files read exactly, cell by cell, wherever a doubled quote or a line break inside a quoted cell falls:
files of 8–50 KB written by the csv module itself (the reference), in UTF-8 with and without a BOM and in GBK."""

import csv
import io
import random

import pytest

from crm.imports.reader import ImportFileError, read_csv, read_table

HEADERS = ["企业名称", "统一社会信用代码", "备注"]
QUOTED = [
    '称"可以签约"',
    '"开头就是引号',
    '结尾是引号"',
    '""',
    '他说："明年投产"，又说"再议"',
    "逗号,分号;制表\t都在",
]
MULTILINE = ["第一行\n第二行", "甲\r\n乙\r\n丙", '引号"和\n换行"一起', "\n前后换行\n"]


def table(rows: int, seed: int, quoted_from: int = 0) -> list[list[str]]:
    """Rows of plain cells; from row `quoted_from` on, every third row carries doubled quotes and line breaks."""
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        note = f"普通备注{i}：{'聊城' * rng.randint(1, 8)}"
        if i >= quoted_from and i % 3 == 0:
            note = rng.choice(QUOTED) + rng.choice(MULTILINE) + rng.choice(QUOTED)
        out.append([f"测试企业{i}有限公司", f"9137150{i:011d}", note])
    return out


def encode(rows: list[list[str]], encoding: str, delimiter: str = ",", line_end: str = "\r\n") -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text, delimiter=delimiter, lineterminator=line_end).writerows([HEADERS, *rows])
    return text.getvalue().encode(encoding)


def stripped(rows: list[list[str]]) -> list[list[str]]:
    return [[cell.strip() for cell in row] for row in rows]  # the reader trims each cell, as it always has


@pytest.mark.parametrize(
    ("rows", "quoted_from", "encoding"),
    [
        (300, 200, "utf-8"),  # ~20 KB, the first doubled quote after the first 4,096 characters
        (300, 200, "utf-8-sig"),
        (300, 200, "gbk"),
        (450, 0, "utf-8"),  # ~45 KB, quotes and line breaks throughout
        (600, 500, "gb18030"),
    ],
)
def test_a_large_csv_with_doubled_quotes_and_line_breaks_is_read_exactly(rows, quoted_from, encoding):
    expected = table(rows, seed=rows, quoted_from=quoted_from)
    data = encode(expected, encoding)
    assert 8 * 1024 < len(data) < 60 * 1024
    # the old reader guessed the quoting from the first 4,096 characters, which then held no doubled quote
    assert quoted_from == 0 or data.decode(encoding).find('""') > 4096
    read = read_csv(data)
    assert read.headers == HEADERS
    assert [cells for _n, cells in read.rows] == stripped(expected)
    assert [n for n, _cells in read.rows] == list(range(2, rows + 2))  # one spreadsheet row per record


@pytest.mark.parametrize(("delimiter", "line_end"), [(";", "\n"), ("\t", "\r\n"), (",", "\n")])
def test_semicolons_tabs_and_bare_newlines_too(delimiter, line_end):
    expected = table(200, seed=5, quoted_from=100)
    read = read_csv(encode(expected, "utf-8", delimiter, line_end))
    assert [cells for _n, cells in read.rows] == stripped(expected)


def test_the_cell_from_the_issue_after_4_kb():
    filler = "".join(f"企业{i},普通备注{i}\n" for i in range(400))
    data = ("名称,备注\n" + filler + '企业X,"称""可以签约"""\n').encode("utf-8")
    assert len(data) > 8192
    assert read_csv(data).rows[-1][1] == ["企业X", '称"可以签约"']


def test_gbk_text_is_read_as_gbk_and_other_bytes_are_refused(app):
    expected = [["聊城鲁西化工集团", "", "东昌府区的“链主”企业"], ["茌平铝业", "", "信发集团，氧化铝"]]
    assert [cells for _n, cells in read_table("名单.csv", encode(expected, "gbk")).rows] == expected
    with app.test_request_context(), pytest.raises(ImportFileError):
        read_csv(b"\xff\xfe\xfa" * 10 + b"\x81\x20")  # neither UTF-8 nor GB18030
