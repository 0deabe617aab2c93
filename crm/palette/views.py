"""The palette's JSON search (the dialog itself is static/js/palette.js on every page)."""

from flask import jsonify, request
from flask_login import current_user, login_required

from crm.palette import bp, services


@bp.route("/search")
@login_required
def search():
    q = request.args.get("q", "")
    response = jsonify({"results": services.search(current_user, q)})
    response.headers["Cache-Control"] = "private, no-store"  # scoped answers: never kept by a proxy
    return response
