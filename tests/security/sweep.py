"""The URL map as concrete requests: every rule × every method it allows, with ids of records inside the user's
county ('in'), outside it ('out') and of records that do not exist ('missing'), and what the permission matrix of
tests/test_permissions.py expects for each role."""

from dataclasses import dataclass

from sqlalchemy import select

from crm.extensions import db
from crm.plans.models import TemplateStep
from crm.refdata.models import Alias, CategoryTag, Industry
from crm.vocab import Role
from tests.api.matrix import ANONYMOUS_401
from tests.permissions.matrix import MATRIX
from tests.permissions.matrix import PUBLIC as PERMISSIONS_PUBLIC
from tests.permissions.world import url_for_case
from tests.security.helpers import ANONYMOUS, fill, methods, rule_args, rules_by_endpoint

M = Role.MEMBER
MISSING_ID = 999_999
# Records that do not exist, for arguments that are not ids.
MISSING_TEXT = {"token": "0" * 32, "day": "2099-01-01", "name": "nope", "month": "1999-01"}
# Rules any visitor may open (no login, no role), with the answers they give here: the static files, and the
# matrix's own PUBLIC (/healthz, 503 in tests: no scheduler runs).
PUBLIC = {"static": {200}, **{endpoint: {status} for endpoint, status in PERMISSIONS_PUBLIC.items()}}
STATIC_FILE = "js/app.js"


@dataclass(frozen=True)
class Case:
    endpoint: str
    scope: str  # in | out | missing
    method: str
    url: str
    form: dict | None
    answers: dict  # role → the expected status, or None where nothing is known but "no server error"

    def __str__(self) -> str:
        return f"{self.method} {self.url} [{self.endpoint}, {self.scope}]"


def fallback_values(county: dict, extra: dict) -> dict:
    """An id for every argument name in the URL map, for rules whose URL the matrix does not spell out (the
    second rule of an endpoint, e.g. /teams/new beside /teams/<id>/edit)."""
    return {
        "entry_id": county["assigned"].id, "enterprise_id": county["assigned"].enterprise_id,
        "team_id": county["team"].id, "user_id": county["users"][M].id, "log_id": county["log"].id,
        "task_id": county["task"].id, "item_id": extra["item"], "escalation_id": extra["escalation"],
        "notification_id": extra["failed"], "batch_id": extra["batch"], "token": extra["upload"],
        "token_id": MISSING_ID, "step_id": db.session.scalar(select(TemplateStep.id).limit(1)),
        "obj_id": county["assigned"].region_id, "name": "regions", "day": "2027-01-01", "filename": STATIC_FILE,
        "action": "approve", "project_id": county["project"].id, "arrival_id": county["line"].id,
        "return_id": county["line"].return_id, "region_id": county["assigned"].region_id, "month": "2026-03",
        "alias_id": db.session.scalar(select(Alias.id).order_by(Alias.id).limit(1)),
        "year": 2027, "chain_id": extra["chain"], "link_id": extra["link"], "node_id": extra["node"],
        "firm_id": extra["firm"], "edition_id": county["edition"].id, "screen_id": extra["screen"],
        "view_id": county["view"].id,
        "instruction_id": county["instruction"].id,
    }  # fmt: skip


def admin_objects(county: dict) -> dict[str, int]:
    """One record of each administered resource, so /admin/<name>/<id> is swept for every resource."""
    return {
        "users": county["users"][M].id,
        "regions": county["assigned"].region_id,
        "industries": db.session.scalar(select(Industry.id).limit(1)),
        "tags": db.session.scalar(select(CategoryTag.id).limit(1)),
    }


def _matrix_request(adapter, endpoint: str, county: dict, extra: dict):
    """The matrix's request for `endpoint` made concrete: its rule, arguments, query string and form."""
    method, template, data, _answers = MATRIX[endpoint]
    url = url_for_case(template, county, extra)
    path, _sep, query = url.partition("?")
    rule, args = adapter.match(path, method=method, return_rule=True)
    form = {k: url_for_case(v, county, extra) for k, v in data.items()} if data is not None else None
    return method, rule, args, path, query, form


def _missing(rule, values: dict) -> dict | None:
    """`values` with every id (and token, day, resource name) replaced by one that does not exist."""
    changed = dict(values)
    for name, conv, _options in rule_args(rule):
        if conv == "int":
            changed[name] = MISSING_ID
        elif name in MISSING_TEXT:
            changed[name] = MISSING_TEXT[name]
    return changed if changed != values else None


def _variants(rule, values: dict, county: dict) -> list[dict]:
    if rule.endpoint.startswith("admin.") and "name" in dict((n, c) for n, c, _o in rule_args(rule)):
        return [{**values, "name": name, "obj_id": obj} for name, obj in admin_objects(county).items()]
    return [values]


def _answers(endpoint: str, scope: str, own: bool, m_rule) -> dict:
    """What each role should get: the matrix's answer on the matrix's own URL (with any method); a refusal for a
    record that does not exist; on another URL of the endpoint (/teams/new, another workflow action), only a 403
    the matrix gives on a URL without record ids, which is the role's refusal (roles_required)."""
    answers = MATRIX[endpoint][3]
    if scope == "missing":
        return {role: (a if a in (401, 403) else 404) for role, a in answers["in"].items()}
    if own:
        return dict(answers[scope])
    role_level = not any(conv == "int" for _n, conv, _o in rule_args(m_rule))
    return {role: (a if role_level and a == 403 else None) for role, a in answers[scope].items()}


def cases(app, counties: dict, extra: dict) -> list[Case]:
    """Every rule × method × scope the matrix (or PUBLIC) knows; rules it does not know are left to
    test_every_rule_has_expected_answers."""
    adapter = app.url_map.bind("localhost")
    out = []
    for endpoint, rules in sorted(rules_by_endpoint(app).items()):
        if endpoint in PUBLIC:
            out += [Case(endpoint, "in", m, url, None, {}) for r in rules for m in methods(r) for url in
                    fill(r, {"filename": STATIC_FILE, "token": MISSING_TEXT["token"]})]  # fmt: skip
            continue
        if endpoint not in MATRIX:
            continue
        for scope in ("in", "out", "missing"):
            if scope == "out" and scope not in MATRIX[endpoint][3]:
                continue
            county = counties["out" if scope == "out" else "in"]
            m_method, m_rule, m_args, m_path, query, m_form = _matrix_request(
                adapter, endpoint, county, extra
            )
            for rule in rules:
                base = {**fallback_values(county, extra), **(m_args if rule is m_rule else {})}
                for values in _variants(rule, base, county):
                    if scope == "missing":
                        values = _missing(rule, values)
                        if values is None:
                            continue
                    for method in methods(rule):
                        for url in fill(rule, values):
                            own = url == m_path
                            form = (m_form if own and method == m_method else {}) if method != "GET" else None
                            answers = _answers(endpoint, scope, own, m_rule)
                            out.append(Case(endpoint, scope, method, url + (f"?{query}" if query else ""), form,
                                            answers))  # fmt: skip
    unique = {(c.endpoint, c.scope, c.method, c.url): c for c in out}
    return list(unique.values())


def server_error(endpoint: str, status: int) -> bool:
    """A 5xx that is not a public rule's deliberate answer (/healthz's 503)."""
    return status >= 500 and status not in PUBLIC.get(endpoint, set())


def judge_status(case: Case, role, response) -> tuple[str | None, bool]:
    """(what is wrong with the answer or None, whether the request was refused)."""
    status = response.status_code
    if case.endpoint in PUBLIC:  # /healthz answers 503 on purpose when the scheduler is not running
        return (None if status in PUBLIC[case.endpoint] else "unexpected answer"), False
    if status >= 500:
        return "server error", True
    if role == ANONYMOUS:
        if case.endpoint == "auth.login":
            return (None if status == 200 else "the login page must answer 200"), False
        if case.endpoint in ANONYMOUS_401:
            return (None if status == 401 and response.is_json else "expected 401 JSON"), True
        if status == 302 and "/auth/login" in (response.location or ""):
            return None, True
        return "expected a redirect to the login page", True
    want = case.answers.get(role)
    # A refusal is expected: anything but a refusal is a hole (the exact code is test_permissions' job).
    if want is not None and want >= 400:
        return (None if 400 <= status < 500 else f"expected a refusal ({want})"), True
    return None, False
