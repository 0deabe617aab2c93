"""Every API endpoint × every role, with a personal token, for records inside the user's county and outside it.

The answers are those of the matching HTML routes in tests/test_permissions.py (302 → 200/201): the API uses the
same scope filter and role rules. A new endpoint fails test_every_endpoint_is_here until it is added."""

from datetime import timedelta

import pytest

from crm.api.operations import OPERATIONS
from crm.types import utcnow
from crm.vocab import Role
from tests.api.conftest import error_code
from tests.api.projects_world import project_world  # noqa: F401  (the world with a project per county)
from tests.permissions.world import world  # noqa: F401  (the fixture: two counties with their records)

M, L, H, G, A = Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER, Role.ADMIN
ROLES = [M, L, H, G, A]


def answers(member, lead, head, manager, admin) -> dict:
    return {M: member, L: lead, H: head, G: manager, A: admin}


CAMPAIGN = answers(200, 200, 200, 200, 403)
EVERYONE = answers(200, 200, 200, 200, 200)
OUT_OF_SCOPE = answers(404, 404, 404, 200, 403)


def log_body() -> dict:
    return {
        "occurred_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "kind": "phone",
        "summary": "电话沟通",
    }


# endpoint → (method, url template, JSON body or None, {scope: {role: status}}); placeholders as in
# tests/test_permissions.py, plus {wversion} (the whitelisted entry's version).
API_MATRIX = {
    "list_enterprises": ("GET", "/api/v1/enterprises", None, {"in": CAMPAIGN}),
    "get_enterprise": ("GET", "/api/v1/enterprises/{enterprise}", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "list_entries": ("GET", "/api/v1/entries", None, {"in": CAMPAIGN}),
    "get_entry": ("GET", "/api/v1/entries/{assigned}", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "act_on_entry": (
        "POST", "/api/v1/entries/{proposal}/actions/approve", {"reason": "同意", "version": "{pversion}"},
        # the manager waits for the county head under the default county-then-city chain
        {"in": answers(404, 403, 200, 403, 403), "out": answers(404, 404, 404, 403, 403)},
    ),
    "list_assignments": (
        "GET", "/api/v1/entries/{assigned}/assignments", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}
    ),
    "assign_entry": (
        "POST", "/api/v1/entries/{whitelisted}/assign", {"team_id": "{team}", "version": "{wversion}"},
        {"in": answers(403, 200, 200, 200, 403), "out": answers(403, 404, 404, 200, 403)},
    ),
    "list_logs": ("GET", "/api/v1/entries/{assigned}/logs", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "create_log": (
        "POST", "/api/v1/entries/{assigned}/logs", "log",
        {"in": answers(201, 201, 201, 201, 403), "out": answers(404, 404, 404, 201, 403)},
    ),
    "list_teams": ("GET", "/api/v1/teams", None, {"in": EVERYONE}),
    "get_team": ("GET", "/api/v1/teams/{team}", None, {"in": EVERYONE, "out": answers(404, 404, 404, 200, 200)}),
    "list_tasks": ("GET", "/api/v1/tasks", None, {"in": CAMPAIGN}),
    "list_notifications": ("GET", "/api/v1/notifications", None, {"in": EVERYONE}),
    "dashboard": ("GET", "/api/v1/dashboard?year=2026", None, {"in": answers(403, 403, 200, 200, 403)}),
    "list_projects": ("GET", "/api/v1/projects?state=signed", None, {"in": CAMPAIGN}),
    "get_project": ("GET", "/api/v1/projects/{project}", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    # the target's team, the county's head and leads, and managers report a project's funds (returns.may_add)
    "create_arrival": (
        "POST", "/api/v1/projects/{project}/arrivals", {"month": "{month}", "fixed": 800, "other": 200},
        {"in": answers(201, 201, 201, 201, 403), "out": answers(404, 404, 404, 201, 403)},
    ),
    "list_chains": ("GET", "/api/v1/chains", None, {"in": EVERYONE}),
    "get_chain": ("GET", "/api/v1/chains/{chain}", None, {"in": EVERYONE}),
    "openapi": ("GET", "/api/v1/openapi.json", None, {"in": EVERYONE}),
}  # fmt: skip

CASES = [(name, scope, role) for name, (_m, _u, _b, expected) in API_MATRIX.items() for scope in expected
         for role in ROLES]  # fmt: skip


def test_every_endpoint_is_here(app):
    assert {op.endpoint for op in OPERATIONS} | {"openapi"} == set(API_MATRIX)


def fill(template: str, county: dict, extra: dict | None = None) -> str:
    return template.format(
        chain=(extra or {}).get("chain", 0),
        proposal=county["proposal"].id, whitelisted=county["whitelisted"].id, assigned=county["assigned"].id,
        enterprise=county["assigned"].enterprise_id, team=county["team"].id, pversion=county["proposal"].version,
        wversion=county["whitelisted"].version, project=county["project"].id if "project" in county else 0,
        month=f"{county['project'].signed_on:%Y-%m}" if "project" in county else "",
    )  # fmt: skip


def body_for(body, county: dict):
    if body == "log":
        return log_body()
    if body is None:
        return None
    values = {k: fill(v, county) if isinstance(v, str) else v for k, v in body.items()}
    return {k: int(v) if isinstance(v, str) and v.isdigit() else v for k, v in values.items()}


@pytest.mark.parametrize(("name", "scope", "role"), CASES)
def test_endpoint_answers_each_role(request, api, world, name, scope, role):  # noqa: F811
    method, template, body, expected = API_MATRIX[name]
    if "/projects" in template:
        request.getfixturevalue("project_world")
    inside, counties, extra = world
    county = counties[scope]
    caller = api(inside["users"][role])
    url = fill(template, county, extra)
    response = caller.post(url, json=body_for(body, county)) if method == "POST" else caller.get(url)
    assert response.status_code == expected[scope][role], response.get_data(as_text=True)[:300]
    assert response.is_json
    if response.status_code >= 400:
        error_code(response)
