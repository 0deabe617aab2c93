"""Import screens: template, upload, mapping + dry run, commit, the import records and their revert."""

import json
import re
import secrets
from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.auth.permissions import roles_required
from crm.chains.models import Chain, ChainNode, NodeFirm
from crm.chains.services import can_edit as can_edit_chains
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.imports import bp, chain_rows, ledger_rows, services
from crm.imports.columns import auto_mapping, columns_for, template_sheets
from crm.imports.matching import choice_labels
from crm.imports.models import ImportBatch
from crm.imports.reader import ImportFileError, read_table
from crm.imports.rows import DUPLICATE, OUTSIDE, REJECT, UPDATE
from crm.pagination import paginate
from crm.parsing import parse_int
from crm.plans.models import FundArrival
from crm.projects.models import Project
from crm.scope import project_scope
from crm.types import local_date, utcnow
from crm.viewhelpers import attempt
from crm.vocab import Role
from crm.xlsx import download

TOKEN = re.compile(r"^[0-9a-f]{32}$")
TEMPLATE_NAMES = {"projects": "项目台账导入模板.xlsx", "arrivals": "月度到位资金导入模板.xlsx",
                  "chain_map": "产业链图谱导入模板.xlsx", "chain_firms": "本地企业名单导入模板.xlsx"}  # fmt: skip
SHOWN_ROWS = 500


def _folder() -> Path:
    base = current_app.config["UPLOAD_FOLDER"] or Path(current_app.instance_path) / "uploads"
    folder = Path(base) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _stored(token: str) -> tuple[dict, bytes]:
    """The upload behind `token`, only for the user who uploaded it."""
    if not TOKEN.match(token):
        abort(404)
    meta_path = _folder() / f"{token}.json"
    if not meta_path.exists():
        abort(404)
    meta = json.loads(meta_path.read_text())
    if meta["user_id"] != current_user.id:
        abort(404)
    return meta, (_folder() / f"{token}.bin").read_bytes()


@bp.route("/template.xlsx")
@roles_required(*services.IMPORT_ROLES)
def template():
    kind = request.args.get("kind", "proposals")
    kind = kind if kind in services.KINDS else "proposals"
    return download(template_sheets(kind), TEMPLATE_NAMES.get(kind, "目标企业导入模板.xlsx"))


@bp.route("/", methods=["GET", "POST"])
@roles_required(*services.IMPORT_ROLES)
def upload():
    kind = request.form.get("kind", "proposals")
    if request.method == "POST":
        file = request.files.get("file")
        if kind not in services.KINDS:
            abort(400)
        if kind in chain_rows.KINDS and not can_edit_chains(current_user):
            abort(403)
        if file is None or not file.filename:
            flash(_("Choose a file to import."), "danger")
        else:
            data = file.read()
            if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
                flash(_("The file is larger than %(mb)d MB; split it and import the parts.",
                        mb=current_app.config["IMPORT_MAX_BYTES"] // 2**20), "danger")  # fmt: skip
            else:
                try:
                    read_table(file.filename, data)
                except ImportFileError as error:
                    flash(str(error), "danger")
                else:
                    token = secrets.token_hex(16)
                    (_folder() / f"{token}.bin").write_bytes(data)
                    meta = {"user_id": current_user.id, "filename": file.filename[:200], "kind": kind}
                    (_folder() / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False))
                    target = url_for("imports.preview", token=token)
                    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
                        return jsonify(
                            location=target
                        )  # import.js navigates: the dry run runs once, not twice
                    return redirect(target)
    recent = db.session.scalars(_batches().limit(5)).all()
    return render_template("imports/upload.html", kind=kind, recent=recent, kinds=services.KINDS,
                           chains=can_edit_chains(current_user))  # fmt: skip


def _mapping(headers: list[str], kind: str) -> dict[str, int | None]:
    """The automatic mapping, overridden by the user's choices (?map_<key>=<column index>, -1 for none)."""
    mapping = auto_mapping(headers, columns_for(kind))
    for column in columns_for(kind):
        raw = request.values.get(f"map_{column.key}")
        if raw == "-1":
            mapping[column.key] = None
        elif raw is not None and (index := parse_int(raw)) is not None and index < len(headers):
            mapping[column.key] = index
    return mapping


def _decisions() -> dict[int, str]:
    """The preview's per-row choices: decision_<row number> = create | skip | update:<id> | parent:<id>."""
    out = {}
    for name, value in request.form.items():
        if name.startswith("decision_") and (number := parse_int(name.removeprefix("decision_"))) is not None:
            out[number] = value
    return out


@bp.route("/preview/<token>", methods=["GET", "POST"])
@roles_required(*services.IMPORT_ROLES)
def preview(token: str):
    meta, data = _stored(token)
    table = read_table(meta["filename"], data)
    mapping = _mapping(table.headers, meta["kind"])
    plan = services.dry_run(current_user, table, mapping, meta["kind"], local_date(utcnow()))
    fingerprint = plan.fingerprint(data)
    if request.method == "POST" and request.form.get("confirm") == "1":
        decisions, sent = _decisions(), request.form.get("fingerprint")
        if (sent or decisions) and sent != fingerprint:
            flash(_("The file or the enterprises it matches changed since the rows were checked, so nothing was "
                    "imported. Check the rows below again and confirm."), "danger")  # fmt: skip
        else:
            include = request.form.get("include_flagged") == "1"
            try:
                batch = services.commit(current_user, plan, meta["filename"], utcnow(), include, decisions)
            except DomainError as error:
                db.session.rollback()
                flash(str(error), "danger")
            else:
                for suffix in (".bin", ".json"):
                    (_folder() / f"{token}{suffix}").unlink(missing_ok=True)
                flash(_("Imported: %(created)d created, %(updated)d updated, %(skipped)d skipped.",
                        created=batch.created_count, updated=batch.updated_count, skipped=batch.skipped_count),
                      "success")  # fmt: skip
                return redirect(url_for("imports.batch", batch_id=batch.id))
    shown = sorted(plan.rows, key=_preview_order)
    return render_template(
        "imports/preview.html", token=token, meta=meta, table=table, mapping=mapping, plan=plan,
        columns=columns_for(meta["kind"]), shown=shown[:SHOWN_ROWS], fingerprint=fingerprint, labels=choice_labels,
        counts={a: plan.count(a) for a in ("create", UPDATE, DUPLICATE, REJECT, OUTSIDE)},
        own_region=current_user.region.name if current_user.role != Role.MANAGER and current_user.region else "",
    )  # fmt: skip


def _preview_order(row) -> int:
    """What needs fixing, then what needs a choice (possible duplicates before the rest), then the other counties'
    rows the import skips, then the plain rows; the file's order within each (the sort is stable)."""
    if row.action == REJECT:
        return 0
    if len(row.choices) > 1:
        return 1 if row.action == DUPLICATE else 2
    return 3 if row.action == OUTSIDE else 4


def _batches():
    query = select(ImportBatch).order_by(ImportBatch.id.desc())
    if current_user.role != Role.MANAGER:
        query = query.where(ImportBatch.created_by_id == current_user.id)
    return query


@bp.route("/batches")
@roles_required(*services.IMPORT_ROLES)
def batches():
    return render_template("imports/batches.html", page=paginate(_batches()))


def _batch_or_404(batch_id: int) -> ImportBatch:
    batch = db.session.scalar(_batches().where(ImportBatch.id == batch_id))
    if batch is None:
        abort(404)
    return batch


@bp.route("/batches/<int:batch_id>")
@roles_required(*services.IMPORT_ROLES)
def batch(batch_id: int):
    record = _batch_or_404(batch_id)
    return render_template(
        "imports/batch.html", batch=record, may_revert=services.may_revert(current_user, record),
        ledger=_ledger_lines(record) if record.kind in ledger_rows.KINDS else None,
        chain_lines=_chain_lines(record) if record.kind in chain_rows.KINDS else None,
    )  # fmt: skip


def _chain_lines(record: ImportBatch) -> dict[int, dict]:
    """Per import item of a chain import: the chain and node it wrote to, while they exist."""
    details = {item.id: json.loads(item.before or "{}") for item in record.items}
    nodes = {d["node_id"] for d in details.values() if d.get("node_id")}
    firms = {d["firm_id"] for d in details.values() if d.get("firm_id")}
    firm_nodes = dict(
        db.session.execute(select(NodeFirm.id, NodeFirm.node_id).where(NodeFirm.id.in_(firms))).all()
    )
    names: dict[int | None, tuple[int | None, str | None, str | None]] = {
        node_id: (chain_id, chain, node)
        for node_id, chain_id, chain, node in db.session.execute(
            select(ChainNode.id, Chain.id, Chain.name, ChainNode.name)
            .join(Chain, Chain.id == ChainNode.chain_id)
            .where(ChainNode.id.in_(nodes | set(firm_nodes.values())))
        )
    }
    out = {}
    for item_id, d in details.items():
        node_id = d.get("node_id") or firm_nodes.get(d.get("firm_id"))
        chain_id, chain, node = names.get(node_id, (None, None, None))
        out[item_id] = {
            "node_id": node_id if node else None,
            "node": node,
            "chain_id": chain_id,
            "chain": chain,
        }
    return out


def _ledger_lines(record: ImportBatch) -> dict[int, dict]:
    """Per import item of a projects or arrivals import: the project (name, and a link while it exists and the
    user may open it) and, for an arrival, its month and amount while the line exists."""
    details = {item.id: json.loads(item.before or "{}") for item in record.items}
    project_ids = {d.get("project_id") for d in details.values()} - {None}
    projects = dict(db.session.execute(select(Project.id, Project.name).where(Project.id.in_(project_ids),
                                                                               project_scope(current_user)))
                    .all())  # fmt: skip
    arrival_ids = [d["arrival_id"] for d in details.values() if "arrival_id" in d]
    lines = {a.id: a for a in db.session.scalars(select(FundArrival).where(FundArrival.id.in_(arrival_ids)))}
    linkable = "projects.detail" in current_app.view_functions
    out = {}
    for item_id, d in details.items():
        line = lines.get(d.get("arrival_id"))
        out[item_id] = {
            "project": projects.get(d.get("project_id")), "project_id": d.get("project_id"), "link": linkable,
            "month": line.arrived_on if line else None, "amount": line.total if line else None,
        }  # fmt: skip
    return out


@bp.route("/batches/<int:batch_id>/revert", methods=["POST"])
@roles_required(*services.IMPORT_ROLES)
def revert(batch_id: int):
    record = _batch_or_404(batch_id)
    attempt(lambda: services.revert(current_user, record, utcnow()), _("The import was reverted."))
    return redirect(url_for("imports.batch", batch_id=batch_id))
