"""Junk where input is read: NUL bytes (PostgreSQL cannot store or compare them), line breaks in redirect targets,
off-site redirect targets, absurd numbers and path tricks. Nothing may answer a server error."""

from urllib.parse import urlsplit

import pytest

from crm.vocab import Role
from tests.conftest import PASSWORD
from tests.permissions.world import world  # noqa: F401  (the matrix's campaign, reused as a fixture)
from tests.security.helpers import sign_in, snapshot, use_session
from tests.security.sweep import PUBLIC, cases, server_error

NUL = "a\x00b"
JUNK_QUERY = {"q": NUL, "page": "99999999999999999999", "sort": NUL, "year": "-1", "week": "0000-00-00",
              "from": "2026-02-30", "duplicate": "1e9", "next": "//evil.example", "back": "javascript:alert(1)",
              "map_name": "999999", "region": "²"}  # fmt: skip
JUNK_VALUES = [NUL, "99999999999999999999999", "2026-02-30\u202e", "x" * 5000]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_junk_in_queries_and_forms_is_never_a_server_error(app, client, world, role):  # noqa: F811
    inside, counties, extra = world
    cookie = sign_in(client, inside["users"][role])
    problems = []
    for case in cases(app, counties, extra):
        if case.scope != "in" or case.endpoint == "static":
            continue
        attempts = [("GET query", {"query_string": JUNK_QUERY})] if case.method == "GET" else []
        if case.method != "GET":
            for junk in JUNK_VALUES:
                form = {key: junk for key in (case.form or {})} | {"reason": junk, "name": junk, "q": junk}
                attempts.append((f"form {junk[:8]!r}", {"data": form}))
        for label, kwargs in attempts:
            use_session(client, cookie)
            response = client.open(case.url.split("?")[0], method=case.method, **kwargs)
            if server_error(case.endpoint, response.status_code):
                problems.append(f"{case} with junk {label}: {response.status_code}")
            carries_nul = "query_string" in kwargs or NUL in kwargs["data"].values()
            html_page = not case.url.startswith("/api/") and case.endpoint not in PUBLIC
            if carries_nul and html_page and response.status_code != 400:
                problems.append(f"{case} with a NUL byte ({label}): {response.status_code}, expected 400")
    assert not problems, "\n".join(problems)


def test_a_nul_byte_is_refused_before_anything_is_written(client, make_user, make_entry, login):
    user = make_user(Role.MEMBER, "371502")
    entry = make_entry(user)
    login(user)
    before = snapshot()
    response = client.post(f"/enterprises/{entry.enterprise_id}/contacts", data={"name": NUL})
    assert response.status_code == 400 and "请求" in response.data.decode()
    assert client.get("/whitelist/?q=" + "%00").status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize(
    "target",
    ["/x\r\nSet-Cookie: crm=evil", "/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example",
     "javascript:alert(1)", "/whitelist/\x7f"],
)  # fmt: skip
def test_redirect_targets_stay_on_site_and_never_break_the_header(
    client, make_user, make_entry, login, target
):
    user = make_user(Role.LEAD, "371502")
    entry = make_entry(user)
    response = client.post(
        "/auth/login", data={"username": user.username, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302 and response.location == "/"
    for url, form in (
        (f"/reminders/mute/{entry.id}", {"muted": "1", "back": target}),
        ("/whitelist/bulk-assign", {"entry_ids": str(entry.id), "team_id": "0", "back": target}),
    ):
        response = client.post(url, data=form)
        assert response.status_code == 302, url
        assert response.location.startswith("/") and not response.location.startswith("//"), url
        assert "\n" not in response.location and "evil" not in response.location, url


@pytest.mark.parametrize(
    "path",
    ["/static/../config.py", "/static/%2e%2e/config.py", "/static/..%2fconfig.py", "/imports/preview/..%2f..%2fx",
     "/plans/holidays/..%2f..%2fetc/delete", "/admin/..%2f/", "/whitelist/99999999999999999999"],
)  # fmt: skip
def test_path_tricks_find_nothing(client, make_user, login, path):
    login(make_user(Role.ADMIN))
    response = client.open(path, method="POST" if path.endswith("/delete") else "GET")
    if response.status_code in (301, 308):  # werkzeug tidies the path: still this site, still nothing found
        assert urlsplit(response.location).netloc in ("", "localhost"), path
        response = client.open(urlsplit(response.location).path, method="GET")
    assert response.status_code in (400, 403, 404, 405), path
    assert b"SECRET_KEY" not in response.data
