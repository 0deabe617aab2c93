"""The report archive: the editions a user may read, each to download, and a manager's rebuild."""

from io import BytesIO
from urllib.parse import quote

from flask import abort, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.auth.models import User
from crm.auth.permissions import REVIEWER_ROLES, roles_required
from crm.extensions import db
from crm.parsing import paginate
from crm.refdata.models import Region
from crm.reports import bp, editions
from crm.reports.content import WEEKLY
from crm.types import utcnow
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
                           may_rebuild=current_user.role == Role.MANAGER)  # fmt: skip


@bp.route("/<int:edition_id>.docx")
@roles_required(*REVIEWER_ROLES)
def download(edition_id: int):
    edition = editions.get_visible(current_user, edition_id)
    if edition is None:
        abort(404)
    kind = _("weekly report") if edition.kind == WEEKLY else _("monthly report")
    name = f"{kind}-{edition.scope}-{edition.period_start}-{edition.period_end}.docx"
    response = send_file(BytesIO(edition.docx), mimetype=DOCX, as_attachment=True, download_name=name)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@bp.route("/<int:edition_id>/rebuild", methods=["POST"])
@roles_required(Role.MANAGER)
def rebuild(edition_id: int):
    edition = editions.get_visible(current_user, edition_id)
    if edition is None:
        abort(404)
    attempt(lambda: editions.rebuild(current_user, edition, utcnow()), _("The report was built again."))
    return redirect(url_for("reports.index"))
