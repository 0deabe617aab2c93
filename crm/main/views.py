"""The home page: each role's start page (today's work first), with the counters below."""

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from crm.extensions import db
from crm.instructions.services import open_instructions_for
from crm.main import bp, start
from crm.saved_views.services import pinned_views_for
from crm.scope import entry_scope
from crm.types import local_date, utcnow
from crm.vocab import Role, State
from crm.whitelist import queries
from crm.whitelist.models import WhitelistEntry


@bp.route("/")
@login_required
def index():
    if current_user.role == Role.ADMIN:
        return redirect(url_for("admin.index"))
    counts = dict(
        db.session.execute(
            select(WhitelistEntry.state, func.count())
            .where(entry_scope(current_user))
            .group_by(WhitelistEntry.state)
        ).all()
    )
    returned = db.session.scalars(queries.my_returned(current_user).limit(10)).all()
    user = current_user._get_current_object()
    return render_template(
        "main/index.html",
        start=start.start_for(user, local_date(utcnow())),
        pinned=pinned_views_for(user),
        instructions=open_instructions_for(user),
        counts=start.at_or_beyond(counts),
        total=sum(counts.values()),
        returned=returned,
        State=State,
    )
