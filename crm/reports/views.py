"""The report archive (the editions a user may read, each to download, and a manager's rebuild), the big
screen's addresses (a manager gives them out and revokes them) and the screen itself (no login: the address is the
key)."""

from io import BytesIO
from urllib.parse import quote

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.auth.models import User
from crm.auth.permissions import REVIEWER_ROLES, roles_required
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.pagination import paginate
from crm.parsing import parse_int
from crm.refdata.models import Region
from crm.reports import bp, document, editions, screen, screen_bp
from crm.reports.content import WEEKLY
from crm.reports.models import ReportEdition, ScreenLink
from crm.types import local_date, utcnow
from crm.viewhelpers import attempt
from crm.vocab import Role

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.route("/")
@roles_required(*REVIEWER_ROLES)
def index():
    page = paginate(editions.visible(current_user))
    counties = dict(db.session.execute(select(Region.id, Region.name)).all())
    people = {u.id: u.full_name for u in db.session.scalars(select(User).where(User.role == Role.MANAGER))}
    return render_template("reports/index.html", page=page, counties=counties, people=people, weekly=WEEKLY,
                           may_rebuild=current_user.role == Role.MANAGER, pdf=document.soffice() is not None)  # fmt: skip


def _visible_or_404(edition_id: int) -> ReportEdition:
    edition = editions.get_visible(current_user, edition_id)
    if edition is None:
        abort(404)
    return edition


def _file(edition: ReportEdition, data: bytes, mimetype: str, extension: str):
    """The edition's file as a download named by its kind, scope and period (UTF-8 name, RFC 5987)."""
    kind = _("weekly report") if edition.kind == WEEKLY else _("monthly report")
    name = f"{kind}-{edition.scope}-{edition.period_start}-{edition.period_end}.{extension}"
    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@bp.route("/<int:edition_id>.docx")
@roles_required(*REVIEWER_ROLES)
def download(edition_id: int):
    edition = _visible_or_404(edition_id)
    return _file(edition, edition.docx, DOCX, "docx")


@bp.route("/<int:edition_id>.pdf")
@roles_required(*REVIEWER_ROLES)
def download_pdf(edition_id: int):
    edition = _visible_or_404(edition_id)
    pdf = document.to_pdf(edition.docx)
    if pdf is None:
        flash(_("PDF needs LibreOffice on the server; download the Word file instead."), "warning")
        return redirect(url_for("reports.index"))
    return _file(edition, pdf, "application/pdf", "pdf")


@bp.route("/<int:edition_id>/rebuild", methods=["POST"])
@roles_required(Role.MANAGER)
def rebuild(edition_id: int):
    edition = _visible_or_404(edition_id)
    attempt(lambda: editions.rebuild(current_user, edition, utcnow()), _("The report was built again."))
    return redirect(url_for("reports.index"))


@bp.route("/screens", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def screens():
    """The big screen's addresses: give one out (shown once) or revoke one."""
    new_url = None
    if request.method == "POST":
        label = request.form.get("label", "")
        created: list[str] = []

        def create() -> None:
            _link, token = screen.create_link(current_user, label, utcnow())
            created.append(token)

        if attempt(create, _("The screen address was created: open it on the screen's browser.")) and created:
            new_url = url_for("screen.show", token=created[0], _external=True)
    return render_template("reports/screens.html", links=screen.links(), new_url=new_url,
                           label=request.form.get("label", "") if request.method == "POST" and not new_url else "")  # fmt: skip


@bp.route("/screens/<int:screen_id>/revoke", methods=["POST"])
@roles_required(Role.MANAGER)
def revoke_screen(screen_id: int):
    link = db.session.get(ScreenLink, screen_id)
    if link is None:
        abort(404)
    attempt(lambda: screen.revoke(current_user, link, utcnow()), _("The screen address no longer works."))
    return redirect(url_for("reports.screens"))


def _live_link(token: str) -> ScreenLink:
    link = screen.by_token(token)
    if link is None:
        abort(403)
    return link


@screen_bp.route("/<token>")
def show(token: str):
    _live_link(token)
    # How often the screen asks for figures: a minute unless its address says ?refresh=<seconds> (5 to 3,600).
    refresh = min(max(parse_int(request.args.get("refresh"), 60) or 60, 5), 3600)
    return render_template("screen/show.html", data_url=url_for("screen.data", token=token), refresh=refresh)


@screen_bp.route("/<token>/data.json")
def data(token: str):
    link = _live_link(token)
    now = utcnow()
    screen.seen(link, now)
    try:
        body = screen.figures(local_date(now))
    except DomainError as error:
        return jsonify({"error": str(error)}), 503
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response
