"""The permission matrix: every route × every role, for a record in the user's scope and one outside it.

A new route fails test_every_route_is_in_the_matrix until it is added here with its expected answers.
"""

import pytest

from crm.vocab import Role
from tests.conftest import PASSWORD

ROLES = ["anonymous", Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER, Role.ADMIN]
CAMPAIGN = {Role.MEMBER: 200, Role.LEAD: 200, Role.COUNTY_HEAD: 200, Role.MANAGER: 200, Role.ADMIN: 403}
ADMIN_ONLY = {Role.MEMBER: 403, Role.LEAD: 403, Role.COUNTY_HEAD: 403, Role.MANAGER: 403, Role.ADMIN: 200}
# Outside the user's county: hidden (404) from county staff, visible to managers.
OUT_OF_SCOPE = {Role.MEMBER: 404, Role.LEAD: 404, Role.COUNTY_HEAD: 404, Role.MANAGER: 200, Role.ADMIN: 403}


def out_of_scope(ok: int) -> dict:
    return {role: (ok if code == 200 else code) for role, code in OUT_OF_SCOPE.items()}


# endpoint → (method, url template, data, {scope: {role: status}}). {entry} and {enterprise} are filled per scope.
MATRIX = {
    "main.index": ("GET", "/", None, {"in": {**CAMPAIGN, Role.ADMIN: 302}}),
    "auth.login": ("GET", "/auth/login", None, {"in": {r: 302 for r in CAMPAIGN}}),
    "auth.logout": ("POST", "/auth/logout", {}, {"in": {r: 302 for r in CAMPAIGN}}),
    "whitelist.index": ("GET", "/whitelist/", None, {"in": CAMPAIGN}),
    "whitelist.propose": ("GET", "/whitelist/propose", None, {"in": CAMPAIGN}),
    "whitelist.review": (
        "GET", "/whitelist/review", None,
        {"in": {Role.MEMBER: 403, Role.LEAD: 403, Role.COUNTY_HEAD: 200, Role.MANAGER: 200, Role.ADMIN: 403}},
    ),
    "whitelist.detail": ("GET", "/whitelist/{entry}", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "whitelist.edit": (
        "GET", "/whitelist/{entry}/edit", None, {"in": {**CAMPAIGN, Role.MEMBER: 403}, "out": OUT_OF_SCOPE}
    ),
    "whitelist.transition": (
        "POST", "/whitelist/{entry}/approve", {"reason": "同意"},
        {
            "in": {Role.MEMBER: 403, Role.LEAD: 403, Role.COUNTY_HEAD: 302, Role.MANAGER: 302, Role.ADMIN: 403},
            "out": out_of_scope(302),
        },
    ),
    "enterprises.index": ("GET", "/enterprises/", None, {"in": CAMPAIGN}),
    "enterprises.detail": ("GET", "/enterprises/{enterprise}", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "enterprises.edit": (
        "GET", "/enterprises/{enterprise}/edit", None,
        {"in": {**CAMPAIGN, Role.MEMBER: 403}, "out": OUT_OF_SCOPE},
    ),
    "enterprises.add_contact": (
        "POST", "/enterprises/{enterprise}/contacts", {"name": "新联系人"},
        {"in": {r: (302 if c == 200 else c) for r, c in CAMPAIGN.items()}, "out": out_of_scope(302)},
    ),
    "admin.index": ("GET", "/admin/", None, {"in": ADMIN_ONLY}),
    "admin.listing": ("GET", "/admin/users/", None, {"in": ADMIN_ONLY}),
    "admin.edit": ("GET", "/admin/regions/{region}", None, {"in": ADMIN_ONLY}),
    "admin.settings": ("GET", "/admin/settings", None, {"in": ADMIN_ONLY}),
}  # fmt: skip

CASES = [
    (endpoint, scope, role)
    for endpoint, (_m, _u, _d, expected) in MATRIX.items()
    for scope in expected
    for role in ROLES
]


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == set(MATRIX)


@pytest.fixture
def world(make_user, make_entry):
    """Users of every role in 东昌府区, a proposal there (by a lead, so the member is not its proposer)
    and one in 茌平区 that they must not reach."""
    users = {
        role: make_user(role, None if role in (Role.MANAGER, Role.ADMIN) else "371502") for role in ROLES[1:]
    }
    proposer = make_user(Role.LEAD, "371502", username="proposer")
    outsider = make_user(Role.MEMBER, "371503", username="outsider")
    inside = make_entry(proposer, name="范围内测试企业有限公司")
    outside = make_entry(outsider, name="范围外测试企业有限公司")
    return users, {"in": inside, "out": outside}


@pytest.mark.parametrize(("endpoint", "scope", "role"), CASES)
def test_route_answers_each_role(client, world, endpoint, scope, role):
    users, entries = world
    method, template, data, expected = MATRIX[endpoint]
    entry = entries[scope]
    url = template.format(entry=entry.id, enterprise=entry.enterprise_id, region=entry.region_id)
    if role != "anonymous":
        response = client.post("/auth/login", data={"username": users[role].username, "password": PASSWORD})
        assert response.status_code == 302
    response = client.open(url, method=method, data=data)
    if role == "anonymous":
        if endpoint == "auth.login":
            assert response.status_code == 200
        else:
            assert response.status_code == 302 and "/auth/login" in response.location
        return
    assert response.status_code == expected[scope][role], response.data.decode()[:300]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD])
def test_lists_show_only_the_users_county(client, world, role):
    users, entries = world
    client.post("/auth/login", data={"username": users[role].username, "password": PASSWORD})
    page = client.get("/whitelist/").data.decode()
    assert "范围内测试企业有限公司" in page
    assert "范围外测试企业有限公司" not in page
    enterprises = client.get("/enterprises/").data.decode()
    assert "范围外测试企业有限公司" not in enterprises


def test_manager_sees_every_county(client, world):
    users, _entries = world
    client.post("/auth/login", data={"username": users[Role.MANAGER].username, "password": PASSWORD})
    page = client.get("/whitelist/").data.decode()
    assert "范围内测试企业有限公司" in page and "范围外测试企业有限公司" in page
