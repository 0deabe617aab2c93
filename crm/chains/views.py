"""Industry-chain screens: the chains with their scores, a chain's gap analysis (diagram and printable table), a
node with its firms, targets and recommended candidates, and the editors' forms."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.auth.permissions import CAMPAIGN_ROLES, roles_required
from crm.chains import bp, gaps, recommend, services
from crm.chains.diagram import chart_data
from crm.chains.forms import ChainForm, FirmForm, LinkForm, NodeForm
from crm.chains.models import Chain, ChainLink, ChainNode, NodeFirm
from crm.extensions import db
from crm.parsing import form_version, parse_int
from crm.types import local_date, utcnow
from crm.viewhelpers import attempt
from crm.vocab import STATE_LABELS, Role

ALL_ROLES = (*CAMPAIGN_ROLES, Role.ADMIN)


def _chain_or_404(chain_id: int) -> Chain:
    return db.get_or_404(Chain, chain_id)


def _editor() -> None:
    if not services.can_edit(current_user):
        abort(403)


@bp.route("/")
@roles_required(*ALL_ROLES)
def index():
    chains = list(db.session.scalars(select(Chain).order_by(Chain.active.desc(), Chain.sort, Chain.id)))
    figures = gaps.cached_scores(local_date(utcnow()))
    return render_template(
        "chains/index.html", chains=chains, computed_at=figures.computed_at,
        scores={c.id: figures.value.get(c.id) or gaps.Score() for c in chains},
        can_edit=services.can_edit(current_user),
    )  # fmt: skip


@bp.route("/<int:chain_id>")
@roles_required(*ALL_ROLES)
def detail(chain_id: int):
    chain = _chain_or_404(chain_id)
    analysis = gaps.chain_gaps(current_user, chain, local_date(utcnow()))
    return render_template(
        "chains/detail.html", chain=chain, analysis=analysis, chart=chart_data(analysis),
        can_edit=services.can_edit(current_user), states=STATE_LABELS,
        trail=services.trail(chain) if services.can_edit(current_user) else [], action_labels=services.ACTION_LABELS,
    )  # fmt: skip


@bp.route("/nodes/<int:node_id>")
@roles_required(*ALL_ROLES)
def node(node_id: int):
    node = db.get_or_404(ChainNode, node_id)
    return _node_page(node, FirmForm() if services.can_edit(current_user) else None)


def _node_page(node: ChainNode, firm_form: FirmForm | None, status: int = 200):
    analysis = gaps.chain_gaps(current_user, node.chain, local_date(utcnow()), node_id=node.id)
    row = analysis.rows[0]
    may_propose = current_user.role in CAMPAIGN_ROLES
    page = render_template(
        "chains/node.html", node=node, row=row, states=STATE_LABELS, may_propose=may_propose,
        candidates=recommend.candidates(node, current_user.region_id, utcnow()) if may_propose else [], points=recommend.POINTS,
        can_edit=services.can_edit(current_user), firm_form=firm_form, role_labels=services.ROLE_LABELS,
    )  # fmt: skip
    return page, status


@bp.route("/new", methods=["GET", "POST"], defaults={"chain_id": None})
@bp.route("/<int:chain_id>/edit", methods=["GET", "POST"])
@roles_required(*ALL_ROLES)
def edit(chain_id: int | None):
    _editor()
    chain = _chain_or_404(chain_id) if chain_id else None
    form = ChainForm()
    if request.method == "GET" and chain:
        form.fill(chain)
    if form.validate_on_submit():
        data, now, saved = form.data_object(), utcnow(), []

        def save() -> None:
            saved.append(
                services.create_chain(current_user, data, now) if chain is None
                else services.update_chain(current_user, chain, data, now, form_version(form))
            )  # fmt: skip

        if attempt(save, _("Saved.")):
            return redirect(url_for("chains.detail", chain_id=saved[0].id))
    elif request.method == "POST":
        flash(_("Please correct the marked fields."), "danger")
    return render_template("chains/edit.html", form=form, chain=chain, link_form=LinkForm(prefix="link"))


@bp.route("/<int:chain_id>/links", methods=["POST"])
@roles_required(*ALL_ROLES)
def add_link(chain_id: int):
    _editor()
    chain = _chain_or_404(chain_id)
    form = LinkForm(prefix="link")
    if form.validate_on_submit():
        attempt(lambda: services.add_link(current_user, chain, form.name.data, utcnow()), _("Link added."))
    else:
        flash(_("A link needs a name (上游, 中游, 下游 or a segment)."), "danger")
    return redirect(url_for("chains.edit", chain_id=chain.id))


@bp.route("/links/<int:link_id>/rename", methods=["POST"])
@roles_required(*ALL_ROLES)
def rename_link(link_id: int):
    _editor()
    link = db.get_or_404(ChainLink, link_id)
    attempt(
        lambda: services.rename_link(current_user, link, request.form.get("name", ""), utcnow()), _("Saved.")
    )
    return redirect(url_for("chains.edit", chain_id=link.chain_id))


@bp.route("/links/<int:link_id>/remove", methods=["POST"])
@roles_required(*ALL_ROLES)
def remove_link(link_id: int):
    _editor()
    link = db.get_or_404(ChainLink, link_id)
    chain_id = link.chain_id
    attempt(lambda: services.remove_link(current_user, link, utcnow()), _("Link removed."))
    return redirect(url_for("chains.edit", chain_id=chain_id))


@bp.route("/<int:chain_id>/nodes/new", methods=["GET", "POST"], defaults={"node_id": None})
@bp.route("/<int:chain_id>/nodes/<int:node_id>/edit", methods=["GET", "POST"])
@roles_required(*ALL_ROLES)
def edit_node(chain_id: int, node_id: int | None):
    _editor()
    chain = _chain_or_404(chain_id)
    node = db.get_or_404(ChainNode, node_id) if node_id else None
    if node is not None and node.chain_id != chain.id:
        abort(404)
    form = NodeForm(chain, obj=node)
    if request.method == "GET" and node is None:
        form.link_id.data = parse_int(request.args.get("link"))
    if form.validate_on_submit():
        data, now = form.data_object(), utcnow()
        action = (lambda: services.add_node(current_user, chain, data, now)) if node is None else (
            lambda: services.update_node(current_user, node, data, now))  # fmt: skip
        if attempt(action, _("Saved.")):
            return redirect(url_for("chains.detail", chain_id=chain.id))
    elif request.method == "POST":
        flash(_("Please correct the marked fields."), "danger")
    return render_template("chains/node_edit.html", form=form, chain=chain, node=node)


@bp.route("/nodes/<int:node_id>/remove", methods=["POST"])
@roles_required(*ALL_ROLES)
def remove_node(node_id: int):
    _editor()
    node = db.get_or_404(ChainNode, node_id)
    chain_id = node.chain_id
    if attempt(lambda: services.remove_node(current_user, node, utcnow()), _("Node removed.")):
        return redirect(url_for("chains.detail", chain_id=chain_id))
    return redirect(url_for("chains.node", node_id=node_id))


@bp.route("/nodes/<int:node_id>/firms", methods=["POST"])
@roles_required(*ALL_ROLES)
def add_firm(node_id: int):
    _editor()
    node = db.get_or_404(ChainNode, node_id)
    form = FirmForm()
    if form.validate_on_submit() and attempt(
        lambda: services.place_firm_named(current_user, node, form.name.data, form.region_id.data, form.role.data,
                                          utcnow()),
        _("Local firm placed on the node."),
    ):  # fmt: skip
        return redirect(url_for("chains.node", node_id=node.id))
    if form.errors:
        flash(_("Please correct the marked fields."), "danger")
    return _node_page(node, form, 422)  # what was typed stays in the form


@bp.route("/firms/<int:firm_id>/remove", methods=["POST"])
@roles_required(*ALL_ROLES)
def remove_firm(firm_id: int):
    _editor()
    firm = db.get_or_404(NodeFirm, firm_id)
    node_id = firm.node_id
    attempt(lambda: services.remove_firm(current_user, firm, utcnow()), _("Local firm taken off the node."))
    return redirect(url_for("chains.node", node_id=node_id))
