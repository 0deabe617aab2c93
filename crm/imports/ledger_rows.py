"""The dry run of the 项目台账 (projects) and 月度到位资金 (arrivals) imports: each row is read, matched to a target or
project the importer may see, and checked against the rules crm.projects.services.add_project and
crm.projects.returns.add_arrival apply, so a row that passes here is written by the commit (and a refusal there
still rolls the whole file back). Targets, projects and returns are read once per file, not per row
(crm.imports.project_rows, crm.imports.arrival_rows)."""

from datetime import date

from flask_babel import gettext as _

from crm.auth.models import User
from crm.imports.arrival_rows import ArrivalRows
from crm.imports.columns import Column, cell_text, columns_for
from crm.imports.project_rows import ProjectRows
from crm.imports.reader import Table
from crm.imports.rows import LedgerRow

KINDS = ("projects", "arrivals")


def mapped_cells(
    table: Table, mapping: dict[str, int | None], columns: tuple[Column, ...] = ()
) -> list[tuple[int, dict[str, str]]]:
    """(row number, column key → the cell's text as stored: trimmed, one line unless a notes column) for every
    data row, through the column mapping."""
    by_key = {c.key: c for c in columns}
    return [
        (
            number,
            {
                k: cell_text(by_key.get(k), row[i])
                for k, i in mapping.items()
                if i is not None and i < len(row)
            },
        )
        for number, row in table.rows
    ]


def check_file(
    actor: User, table: Table, mapping: dict[str, int | None], kind: str, today: date
) -> tuple[list[LedgerRow], list[str]]:
    """(the rows with what each will do, the headers of required columns the mapping lacks)."""
    columns = columns_for(kind)
    missing = [c.header for c in columns if c.required and mapping.get(c.key) is None]
    if kind == "projects" and mapping.get("enterprise") is None and mapping.get("uscc") is None:
        missing.insert(0, _("%(a)s or %(b)s", a="企业名称", b="统一社会信用代码"))
    if kind == "arrivals" and mapping.get("fixed") is None and mapping.get("other") is None:
        missing.append(_("%(a)s or %(b)s", a="固定资产投资(万元)", b="其他(万元)"))
    if missing:
        return [], missing
    headers = {c.key: c.header for c in columns}
    cells = mapped_cells(table, mapping, columns)
    checker: ProjectRows | ArrivalRows
    if kind == "projects":
        checker = ProjectRows(actor, [c for _n, c in cells], today)
    else:
        checker = ArrivalRows(actor, [c for _n, c in cells], today)
    return [checker.check(LedgerRow(number, "", headers=headers), row) for number, row in cells], []
