"""The permission matrix: every route × every role, for records in the user's scope and outside it.

A new route fails test_every_route_is_in_the_matrix until it is added here with its expected answers.
"""

import pytest

from tests.api.matrix import ANONYMOUS_401
from tests.conftest import PASSWORD
from tests.permissions.matrix import CASES, MATRIX, PUBLIC
from tests.permissions.world import url_for_case, world  # noqa: F401  (the fixture)


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == set(MATRIX)


@pytest.mark.parametrize(("endpoint", "scope", "role"), CASES)
def test_route_answers_each_role(client, world, endpoint, scope, role):  # noqa: F811
    inside, counties, extra = world
    method, template, data, expected = MATRIX[endpoint]
    county = counties[scope]
    url = url_for_case(template, county, extra)
    form = {k: url_for_case(v, county, extra) for k, v in (data or {}).items()} if data is not None else None
    if role != "anonymous":
        response = client.post(
            "/auth/login", data={"username": inside["users"][role].username, "password": PASSWORD}
        )
        assert response.status_code == 302
    response = client.open(url, method=method, data=form)
    if role == "anonymous":
        if endpoint == "auth.login":
            assert response.status_code == 200
        elif endpoint in PUBLIC:
            assert response.status_code == PUBLIC[endpoint]
        elif endpoint in ANONYMOUS_401:
            assert response.status_code == 401 and response.is_json
        else:
            assert response.status_code == 302 and "/auth/login" in response.location
        return
    assert response.status_code == expected[scope][role], response.data.decode()[:300]
