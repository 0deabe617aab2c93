"""CSRF and safe methods, for every rule of the URL map that changes something (POST, PUT, PATCH, DELETE):

- with CSRF on, a request without the form's token (or with a forged one) is refused with 400 and writes nothing,
  even from a user the permission matrix lets do it (so it is the token, not the role, that stops it);
- the JSON API under /api/v1 takes bearer tokens and is CSRF-exempt by design: it refuses the browser's session
  cookie instead (401) and writes nothing;
- a GET on a rule that only accepts writes answers 405 and writes nothing (GETs of form pages are swept, row by
  row, in test_route_sweep.py)."""

import re

from crm.vocab import Role
from tests.permissions.matrix import MATRIX
from tests.permissions.world import world  # noqa: F401
from tests.security.helpers import changes, sign_in, snapshot, use_session
from tests.security.sweep import cases
from tests.test_auth import csrf_on  # noqa: F401  (switches CSRF protection on for a test)

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Who sends the request: the first of these the matrix lets through on the record inside the county.
PREFERENCE = [Role.MANAGER, Role.ADMIN, Role.COUNTY_HEAD, Role.LEAD, Role.MEMBER]
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def allowed_role(endpoint: str):
    answers = MATRIX[endpoint][3]["in"]
    return next((role for role in PREFERENCE if answers[role] < 400), Role.MANAGER)


def csrf_sign_in(client, user) -> tuple[str, str]:
    """Log in through the form as a browser does with CSRF on; returns the session cookie and the form token."""
    client.delete_cookie("session")
    page = client.get("/auth/login").data.decode()
    token = TOKEN.search(page).group(1)
    response = client.post(
        "/auth/login", data={"username": user.username, "password": "secret-pass-1", "csrf_token": token}
    )
    assert response.status_code == 302
    return client.get_cookie("session").value, token


def write_cases(app, counties, extra):
    return [c for c in cases(app, counties, extra) if c.scope == "in" and c.method in WRITES]


def test_writes_without_the_csrf_token_are_refused_and_change_nothing(app, client, world, csrf_on):  # noqa: F811
    inside, counties, extra = world
    sessions = {}
    problems = []
    writes = write_cases(app, counties, extra)
    for case in writes:
        role = allowed_role(case.endpoint) if case.endpoint in MATRIX else Role.MANAGER
        if role not in sessions:
            sessions[role] = csrf_sign_in(client, inside["users"][role])
        cookie, token = sessions[role]
        api = case.url.startswith("/api/")
        for label, form in (("no token", dict(case.form or {})), ("forged token", {**(case.form or {}),
                                                                                 "csrf_token": token[::-1]})):  # fmt: skip
            use_session(client, cookie)
            before = snapshot()
            response = client.open(case.url, method=case.method, data=form)
            want = 401 if api else 400
            if response.status_code != want:
                problems.append(f"{case} as {role}, {label}: {response.status_code}, expected {want}")
            elif not api and "表单" not in response.data.decode():
                problems.append(f"{case} as {role}, {label}: the 400 page does not say why")
            changed = changes(before, snapshot())
            if changed:
                problems.append(f"{case} as {role}, {label}: wrote {'; '.join(changed)}")
    assert len(writes) >= 30
    assert not problems, "\n".join(problems)


def test_the_same_write_with_its_token_goes_through(app, client, world, csrf_on):  # noqa: F811
    """The control for the test above: the token is what makes the difference."""
    inside, _counties, extra = world
    cookie, token = csrf_sign_in(client, inside["users"][Role.MEMBER])
    use_session(client, cookie)
    before = snapshot()
    assert client.post("/inbox/read-all", data={}).status_code == 400
    assert changes(before, snapshot()) == []
    use_session(client, cookie)
    assert client.post("/inbox/read-all", data={"csrf_token": token}).status_code == 302
    from crm.extensions import db
    from crm.inbox.models import InboxItem

    member = inside["users"][Role.MEMBER].id
    theirs = sorted(db.session.scalars(db.select(InboxItem.id).where(InboxItem.user_id == member)))
    assert extra["item"] in theirs  # the member's messages: the assignments of both their targets
    assert sorted(changes(before, snapshot())) == sorted(f"inbox_items ({i},): read_at" for i in theirs)


def test_a_get_on_a_write_only_rule_is_405_and_changes_nothing(app, client, world):  # noqa: F811
    inside, counties, extra = world
    everything = cases(app, counties, extra)
    readable = {c.url for c in everything if c.method == "GET"}
    write_only = {c.url for c in everything if c.scope == "in" and c.method in WRITES} - readable
    problems = []
    for role in (Role.MANAGER, Role.ADMIN):
        cookie = sign_in(client, inside["users"][role])
        for url in sorted(write_only):
            use_session(client, cookie)
            before = snapshot()
            response = client.get(url)
            if response.status_code != 405 or changes(before, snapshot()):
                problems.append(f"GET {url} as {role}: {response.status_code}")
    assert len(write_only) >= 15
    assert not problems, "\n".join(problems)
