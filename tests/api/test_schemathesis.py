"""Property-based run of the whole API from its own OpenAPI document (schemathesis, in-process over WSGI) with a
manager's token: no 5xx, and every answer matches the documented status codes, content type and schema."""

import time
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from crm.vocab import Role
from tests.api.projects_world import project_world  # noqa: F401  (a project per county)
from tests.permissions.world import world  # noqa: F401  (records in two counties to find by id)

EXAMPLES = 12  # per operation: the whole run stays well under a minute on SQLite
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def with_known_ids(operation, known: dict):
    """Generated cases, half of them pointed at records that exist (a random id is almost always a 404), some with
    a body the rules accept (a random month or amount is almost always refused)."""
    generated = operation.as_strategy()
    names = [p.name for p in operation.path_parameters if p.name in known]
    if not names:
        return generated

    def aim(drawn):
        case, picks, month = drawn
        case.path_parameters.update(dict(zip(names, picks, strict=True)))
        if month and isinstance(case.body, dict) and "month" in case.body:
            body = case.body  # a line the rules accept, from the generated amounts
            body.update(month=known["month"], fixed=abs(body.get("fixed", 0)) % 10**6 + 1,
                        other=abs(body.get("other", 0)) % 10**6, out_of_province=False)  # fmt: skip
        return case

    picks = st.tuples(*(st.sampled_from(known[name]) for name in names))
    return st.one_of(generated, st.tuples(generated, picks, st.booleans()).map(aim))


def test_the_api_conforms_to_its_openapi_document(app, project_world, token_for):  # noqa: F811
    inside, counties, _extra = project_world
    auth = {"Authorization": f"Bearer {token_for(inside['users'][Role.MANAGER])}"}
    projects = [county["project"] for county in counties.values()]
    known = {"project_id": [p.id for p in projects], "month": f"{projects[0].signed_on:%Y-%m}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=auth)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17
    started, calls, answers = time.monotonic(), 0, Counter()
    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=with_known_ids(operation, known))
        def check(case):
            nonlocal calls
            calls += 1
            response = case.call_and_validate(headers=auth, checks=CHECKS)
            answers[(case.operation.label, response.status_code)] += 1

        check()
    print(f"schemathesis: {len(operations)} operations, {calls} calls, {time.monotonic() - started:.1f} s")
    print(sorted((label, status, n) for (label, status), n in answers.items() if "projects" in label))
    assert time.monotonic() - started < 60
    # the project endpoints were exercised on real records, not only refused
    assert answers[("GET /api/v1/projects", 200)] and answers[("GET /api/v1/projects/{project_id}", 200)]
    assert answers[("POST /api/v1/projects/{project_id}/arrivals", 201)]
