"""Property-based sweep (hypothesis): arbitrary strings in every query parameter and every form field of every
rule of the URL map, for every role, and arbitrary JSON values in the API's bodies; no answer may be a 5xx.

The rules and their URL arguments come from tests/security/sweep.py (the permission matrix's campaign); the query
parameters from the code (tests/security/fuzz.py query_names); the form fields from the forms the pages really
show, with the values they were rendered with, so that an example can be valid but for one field (a junk
`enterprise_id` beside a good entry, a 5,000-digit `version` on a good edit). Each rule gets a few derandomized
examples per role (reproducible; no shrinking, to bound the time): every failure is listed with its request."""

import time
import traceback

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from crm.api import tokens
from crm.vocab import Role
from tests.conftest import NOW
from tests.permissions.world import world  # noqa: F401  (the matrix's campaign, reused as a fixture)
from tests.security.fuzz import JSON_VALUE, TEXT, api_bodies, encode, json_text, page_forms, query_names
from tests.security.helpers import ANONYMOUS, sign_in, use_session
from tests.security.sweep import cases, server_error

ROLES = [ANONYMOUS, Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER, Role.ADMIN]
EXAMPLES = {ANONYMOUS: 2}  # per rule and role; anonymous requests all end at the login page
DEFAULT_EXAMPLES = 5
SKIP = {"static", "auth.logout"}  # files on disk; logging out is swept in test_route_sweep.py


def discover(client, cookies: dict, gets: list[str]) -> tuple[dict[str, dict], set[str]]:
    """The forms every signed-in role is shown on the GET pages: action path → {field: rendered value}, and the
    names of the GET forms' fields (more query parameters)."""
    forms: dict[str, dict] = {}
    get_names: set[str] = set()
    for cookie in cookies.values():
        for url in gets:
            use_session(client, cookie)
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            for action, method, fields in page_forms(url.split("?")[0], response.data.decode()):
                if method == "GET":
                    get_names |= set(fields)
                else:
                    known = forms.setdefault(action, {})
                    for name, value in fields.items():
                        if known.get(name) is None:
                            known[name] = value
    return forms, get_names


def field(valid: str | None):
    """Omitted, arbitrary, or (when the page rendered one) the valid value."""
    return st.one_of(st.none(), TEXT, *([st.just(valid)] if valid is not None else []))


def targets(app, client, counties, extra, cookies) -> list[tuple]:
    """(method, path, {name: strategy}, kind) for every rule × method, the records inside the county."""
    swept = [c for c in cases(app, counties, extra) if c.scope == "in" and c.endpoint not in SKIP]
    gets = sorted({c.url for c in swept if c.method == "GET"})
    forms, get_names = discover(client, cookies, gets)
    names = query_names() | get_names
    bodies = api_bodies()
    out = []
    for case in swept:
        path, _sep, query = case.url.partition("?")
        api = path.startswith("/api/")
        if case.method == "GET":
            given_values = dict(pair.split("=", 1) for pair in query.split("&") if "=" in pair)
            fields = {name: field(given_values.get(name)) for name in names}
            out.append((case.method, path, fields, "api" if api else "query"))
        elif api:
            body = {name: st.one_of(st.none(), JSON_VALUE) for name in bodies.get(case.endpoint, [])}
            out.append((case.method, path, body, "json"))
        else:
            rendered = {**forms.get(path, {}), **(case.form or {})}
            if not rendered:  # a write without a form of its own on any page: every name anyone reads
                rendered = dict.fromkeys(names)
            out.append((case.method, path, {k: field(v) for k, v in rendered.items()}, "form"))
    return out


def send(client, method, path, values: dict, kind: str, auth: dict):
    pairs = [(k, v) for k, v in values.items() if v is not None]
    if kind == "json":
        return client.open(path, method=method, data=json_text(pairs), content_type="application/json",
                           headers=auth)  # fmt: skip
    if kind == "form":
        return client.open(path, method=method, data=encode(pairs),
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    return client.open(f"{path}?{encode(pairs)}", method=method, headers=auth if kind == "api" else {})


def test_arbitrary_strings_in_every_parameter_never_answer_5xx(app, client, world):  # noqa: F811
    inside, counties, extra = world
    users = inside["users"]
    cookies = {role: sign_in(client, users[role]) for role in ROLES if role != ANONYMOUS}
    bearer = {role: tokens.create_token(users[role], "fuzz", NOW)[1] for role in cookies}
    swept = targets(app, client, counties, extra, cookies)
    assert len(swept) > 150 and sum(kind == "form" for *_x, kind in swept) > 50
    problems: list[str] = []
    started, sent = time.monotonic(), 0
    for role in ROLES:
        auth = {"Authorization": f"Bearer {bearer[role]}"} if role in bearer else {}
        for target in swept:
            sent += sweep_one(client, role, users, cookies, auth, target, problems)
    elapsed = time.monotonic() - started
    assert not problems, f"{len(problems)} server errors in {sent} requests ({elapsed:.0f} s):\n" + "\n".join(
        sorted(set(problems))
    )


def sweep_one(client, role, users, cookies, auth, target, problems: list[str]) -> int:
    """A few derandomized examples against one rule as one role; server errors are added to `problems`."""
    method, path, fields, kind = target
    endpoint = client.application.url_map.bind("localhost").match(path, method=method)[0]
    sent = 0

    @settings(max_examples=EXAMPLES.get(role, DEFAULT_EXAMPLES), deadline=None, database=None,
              derandomize=True, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.fixed_dictionaries(fields))
    def probe(values):
        nonlocal sent
        if cookies.get(role) is not None:
            use_session(client, cookies[role])
        else:
            client.delete_cookie("session")
        sent += 1
        shown = {k: (v[:40] + f"…({len(v)})" if len(v) > 40 else v) for k, v in values.items() if v}
        try:  # the tests' app propagates exceptions: each is what would have been a 500
            response = send(client, method, path, values, kind, auth)
        except Exception as error:  # noqa: BLE001
            where = traceback.extract_tb(error.__traceback__)[-1]
            problems.append(f"{method} {path} as {role}: {error!r} at {where.filename}:{where.lineno} "
                            f"with {shown!r}")  # fmt: skip
            return
        if server_error(endpoint, response.status_code):
            problems.append(f"{method} {path} as {role}: {response.status_code} with {shown!r}")
        elif role in cookies and "/auth/login" in (response.location or ""):
            cookies[role] = _sign_in_again(client, users[role])

    probe()
    return sent


def _sign_in_again(client, user):
    """A write the sweep sent may have ended the session (another role's changes): sign in once more."""
    try:
        return sign_in(client, user)
    except AssertionError:  # the user was deactivated by an administrator's swept write: go on as nobody
        return None
