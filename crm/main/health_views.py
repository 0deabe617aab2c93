"""/healthz for monitoring and the load balancer; no login, no session, no cache."""

from flask import jsonify, request

from crm import health
from crm.main import bp
from crm.types import utcnow


@bp.route("/healthz")
def healthz():
    """200 when the database answers and the scheduler beat recently, else 503, with the details as JSON.
    `?only=database` leaves the scheduler out: a load balancer should not drop a web server that can serve
    because the separate scheduler process stopped."""
    if request.args.get("only") == "database":
        result = health.check_database()
        body, ok = {"status": "ok" if result.ok else "fail", "checks": {"database": result.detail}}, result.ok
    else:
        report = health.check(utcnow())
        body, ok = report.as_dict(), report.ok
    response = jsonify(body)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
