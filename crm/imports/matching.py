"""The duplicate check of an enterprise import, with the rule the single enterprise form applies
(crm.enterprises.duplicates): every row is compared with the enterprises on file and with the earlier rows of the
same file, rejected rows included (so fixing one later reveals no new duplicate). What it finds becomes the row's
choices in the preview: update an enterprise on file, create a new one, join a group on file, or skip."""

from flask_babel import gettext as _

from crm.enterprises.duplicates import GROUP, SAME, DuplicateIndex, Match, Record
from crm.imports.rows import CREATE, DUPLICATE, OUTSIDE, REJECT, UPDATE, RowResult

CHOICE_CREATE, CHOICE_SKIP = "create", "skip"


def update_choice(enterprise_id: int) -> str:
    return f"update:{enterprise_id}"


def parent_choice(key: int) -> str:
    """Joining the group of an enterprise on file (its id) or of the enterprise written for a row above (-row)."""
    return f"parent:{key}" if key > 0 else f"parent_row:{-key}"


def check_duplicates(rows: list[RowResult], index: DuplicateIndex) -> None:
    """Compare each row with the enterprises on file and the rows above it; set the row's action and choices."""
    taking_part = [
        r for r in rows if r.action != OUTSIDE and r.name
    ]  # rows of other counties are not imported
    records = {r.number: Record(-r.number, r.name, r.norm, r.uscc_valid, r.parent_id) for r in taking_part}
    for record in records.values():
        index.add(record)
    ratios = index.ratios([records[r.number] for r in taking_part])
    for row, scores in zip(taking_part, ratios, strict=True):
        number = row.number
        # Enterprises on file (positive keys) and the rows above this one (keys -1 … -(number - 1)).
        matches = index.find(records[number], scores, among=lambda key, n=number: key > 0 or -key < n)
        _decide(row, matches, index)


def _describe(match: Match) -> str:
    reasons = "、".join(match.reasons)
    if match.key < 0:
        return _("May be the same as row %(row)d (%(reasons)s).", row=-match.key, reasons=reasons)
    return _("May be the same as %(name)s on file (%(reasons)s).", name=match.record.name, reasons=reasons)


def _group_note(match: Match) -> str:
    if match.key < 0:
        return _("Possibly parent and subsidiary of one group with row %(row)d (%(name)s): each has its own valid "
                 "credit code, so it is not a duplicate.", row=-match.key, name=match.record.name)  # fmt: skip
    return _("Possibly parent and subsidiary of one group with %(name)s on file: each has its own valid credit "
             "code, so it is not a duplicate.", name=match.record.name)  # fmt: skip


def _decide(row: RowResult, matches: list[Match], index: DuplicateIndex) -> None:
    row.matches = matches
    same = [m for m in matches if m.kind == SAME]
    group = [m for m in matches if m.kind == GROUP]
    by_code = next(
        (m for m in same if m.key > 0 and row.uscc_valid and m.record.uscc == row.uscc_valid), None
    )
    if row.action == REJECT:  # still compared, so the clerk sees every duplicate before fixing the row
        row.notes += [_describe(m) for m in same] + [_group_note(m) for m in group]
        return
    if by_code is not None:
        row.action, row.existing_id = UPDATE, by_code.key
        row.notes.append(_("Same credit code as %(name)s on file: its empty fields are filled, others updated.",
                           name=by_code.record.name))  # fmt: skip
        row.choices, row.default = [update_choice(by_code.key), CHOICE_SKIP], update_choice(by_code.key)
        return
    exact_row = next((m for m in same if m.key < 0 and m.record.norm == row.norm), None)
    if exact_row is not None:
        row.notes.append(_("Same name as row %(row)d.", row=-exact_row.key))
    row.notes += [_describe(m) for m in same if m is not exact_row]
    row.notes += [_group_note(m) for m in group]
    row.choices = [update_choice(m.key) for m in same if m.key > 0]
    row.choices.append(CHOICE_CREATE)
    if not row.parent_id:  # a top-level enterprise on file, or a row above without a group, may be the parent
        row.choices += [parent_choice(m.key) for m in group if not index.records[m.key].parent_id]
    if matches:  # a row nothing resembles is simply created
        row.choices.append(CHOICE_SKIP)
    if same:
        row.action, row.default = DUPLICATE, CHOICE_SKIP
    else:
        row.action, row.default = CREATE, CHOICE_CREATE


def choice_labels(row: RowResult, kind: str) -> list[tuple[str, str]]:
    """(value, label) of each choice the preview offers for `row`."""
    names = {m.key: m.record.name for m in row.matches}
    out = []
    for choice in row.choices:
        what, _sep, target = choice.partition(":")
        if what == "update":
            out.append((choice, _("Update %(name)s on file", name=names.get(int(target), target))))
        elif what == "parent":
            out.append((choice, _("Create it in the group of %(name)s", name=names.get(int(target), target))))
        elif what == "parent_row":
            out.append((choice, _("Create it in the group of row %(row)s (%(name)s)", row=target,
                                  name=names.get(-int(target), ""))))  # fmt: skip
        elif what == CHOICE_CREATE:
            enterprises = kind in ("enterprises", "proposals")
            out.append((choice, _("Create a new enterprise") if enterprises else _("Import it")))
        else:
            out.append((choice, _("Skip this row")))
    return out
