"""Property-based run of the whole API from its own OpenAPI document (schemathesis, in-process over WSGI) with a
manager's token: no 5xx, and every answer matches the documented status codes, content type and schema."""

import time

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from crm.vocab import Role
from tests.test_permissions import world  # noqa: F401  (records in two counties to find by id)

EXAMPLES = 12  # per operation: the whole run stays well under a minute on SQLite
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_api_conforms_to_its_openapi_document(app, world, token_for):  # noqa: F811
    inside, _counties, _extra = world
    auth = {"Authorization": f"Bearer {token_for(inside['users'][Role.MANAGER])}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=auth)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    started, calls = time.monotonic(), 0
    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=auth, checks=CHECKS)

        check()
    print(f"schemathesis: {len(operations)} operations, {calls} calls, {time.monotonic() - started:.1f} s")
    assert time.monotonic() - started < 60
