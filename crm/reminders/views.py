"""督办 (escalations to acknowledge), notification preferences and mutes, and the admins' outbox page."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from crm import outbox
from crm.auth.permissions import CAMPAIGN_ROLES, admin_required, roles_required
from crm.extensions import db
from crm.health import check_scheduler
from crm.pagination import paginate
from crm.parsing import local_path
from crm.reminders import bp, services
from crm.reminders.jobs import heartbeats
from crm.reminders.models import FAILED, Escalation, Notification
from crm.scope import get_entry_or_404
from crm.types import utcnow
from crm.viewhelpers import attempt


@bp.route("/escalations")
@roles_required(*CAMPAIGN_ROLES)
def escalations():
    return render_template("reminders/escalations.html", rows=services.my_escalations(current_user))


@bp.route("/escalations/<int:escalation_id>/ack", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def acknowledge(escalation_id: int):
    row = db.session.get(Escalation, escalation_id)
    if row is None or row.recipient_id != current_user.id:
        abort(404)
    attempt(
        lambda: services.acknowledge(current_user, row, request.form.get("note"), utcnow()),
        _("Acknowledged."),
    )
    return redirect(url_for("reminders.escalations"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    if request.method == "POST":
        services.save_preferences(
            current_user, bool(request.form.get("email")), bool(request.form.get("digest"))
        )
        flash(_("Saved."), "success")
        return redirect(url_for("reminders.preferences"))
    return render_template("reminders/preferences.html", pref=services.preferences(current_user))


@bp.route("/mute/<int:entry_id>", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def mute(entry_id: int):
    entry = get_entry_or_404(current_user, entry_id)
    muted = request.form.get("muted") == "1"
    services.set_mute(current_user, entry.id, muted, utcnow())
    flash(
        _("Reminders for this target are muted.") if muted else _("Reminders for this target are on again."),
        "info",
    )
    return redirect(local_path(request.form.get("back")) or url_for("whitelist.detail", entry_id=entry.id))


@bp.route("/outbox")
@admin_required
def outbox_page():
    failures = paginate(
        select(Notification).where(Notification.status == FAILED).order_by(Notification.id.desc())
    )
    return render_template(
        "reminders/outbox.html",
        backlog=outbox.backlog(),
        failures=failures,
        beats=heartbeats(),
        scheduler=check_scheduler(utcnow()),
    )


@bp.route("/outbox/<int:notification_id>/retry", methods=["POST"])
@admin_required
def retry(notification_id: int):
    row = db.session.get(Notification, notification_id)
    if row is None or row.status != FAILED:
        abort(404)
    row.status, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
    db.session.commit()
    flash(_("Queued again."), "success")
    return redirect(url_for("reminders.outbox_page"))
