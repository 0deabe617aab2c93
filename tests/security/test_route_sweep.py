"""A sweep of the whole URL map for every role: each rule with each method it allows, with ids inside and outside
the user's county and ids that do not exist (tests/security/sweep.py builds the requests; the expected answers
are tests/test_permissions.py's MATRIX).

It fails on any server error; on any success where the matrix expects a refusal; on any change to the database
by a GET or by a refused request (every table is compared row by row); and on any change to an existing row of
the audit trail (tests/security/helpers.py AUDIT_TABLES) by any request at all."""

import pytest

from crm.vocab import Role
from tests.permissions.matrix import MATRIX
from tests.permissions.world import world  # noqa: F401  (the matrix's campaign, reused as a fixture)
from tests.security.helpers import (
    ANONYMOUS,
    Watcher,
    audit_changes,
    changes,
    rules_by_endpoint,
    sign_in,
    use_session,
)
from tests.security.sweep import PUBLIC, cases, judge_status

# Requests that end the signed-in session on the server (crm/auth/sessions.py): the sweep signs in again after.
SESSION_ENDING = {"auth.logout"}

ROLES = [ANONYMOUS, Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER, Role.ADMIN]


def test_every_rule_has_expected_answers(app):
    """A rule that neither the permission matrix nor PUBLIC knows cannot be swept: name it."""
    unknown = sorted(
        f"{rule.rule} ({endpoint})"
        for endpoint, rules in rules_by_endpoint(app).items()
        if endpoint not in MATRIX and endpoint not in PUBLIC
        for rule in rules
    )
    assert not unknown, "rules without expected answers in tests/test_permissions.py MATRIX: " + ", ".join(
        unknown
    )


@pytest.mark.parametrize("role", ROLES)
def test_sweep_every_rule_as(app, client, world, role):  # noqa: F811
    inside, counties, extra = world
    cookie = None if role == ANONYMOUS else sign_in(client, inside["users"][role])
    sweep = cases(app, counties, extra)
    problems = []
    watcher = Watcher()
    before = watcher.take()
    for case in sweep:
        use_session(client, cookie)
        response = client.open(case.url, method=case.method, data=case.form)
        after = watcher.take()
        wrong, refused = judge_status(case, role, response)
        if wrong:
            problems.append(f"{case} as {role}: {response.status_code}, {wrong}")
        if case.method == "GET" or refused or response.status_code >= 400:
            changed = changes(before, after)
            if changed:
                what = "a GET" if case.method == "GET" else "a refused request"
                problems.append(f"{case} as {role}: {what} changed {'; '.join(changed)}")
        else:
            for change in audit_changes(before, after):
                problems.append(f"{case} as {role}: the audit trail was edited: {change}")
        before = after
        if cookie is not None and case.endpoint in SESSION_ENDING and response.status_code == 302:
            cookie = sign_in(client, inside["users"][role])
            before = watcher.take()
    watcher.close()
    assert len(sweep) > 100
    assert not problems, f"{len(problems)} problems in {len(sweep)} requests:\n" + "\n".join(problems)
