"""The OpenAPI document and a page that renders it (Swagger UI, vendored under static/vendor/swagger-ui)."""

from flask import jsonify, render_template, request
from flask_login import current_user, login_required

from crm.api import bp
from crm.api.operations import bearer_user
from crm.api.spec import build_spec


@bp.route("/openapi.json")
def openapi():
    """For a token (scripts, tools) or a logged-in browser (the docs page); nobody else."""
    if request.headers.get("Authorization") or not current_user.is_authenticated:
        bearer_user()
    return jsonify(build_spec())


@bp.route("/docs")
@login_required
def docs():
    return render_template("api/docs.html")
