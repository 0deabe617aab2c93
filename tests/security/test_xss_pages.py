"""Stored and reflected XSS: every page of the URL map, for every role, over a campaign whose every text field is
hostile (tests/security/xss.py FIELDS, set through the screens by tests/security/hostile_world.py), plus pages that
echo the query string.

- HTML: nothing a browser would run (event-handler attributes, javascript: URLs, scripts with the payload, JSON
  data islands that no longer parse), and each field shows up escaped, `{{7*7}}` intact, on the pages its row in
  FIELDS names (so the probe demonstrably reached them);
- .xlsx: no formula, and no text starting with = + - @ (crm/xlsx.py prefixes an apostrophe);
- .ics and JSON: served as calendar / JSON, never as HTML."""

from urllib.parse import quote

from icalendar import Calendar

from crm.vocab import Role
from tests.conftest import region
from tests.security.helpers import ANONYMOUS, fill, methods, rules_by_endpoint, sign_in, use_session
from tests.security.hostile_world import build
from tests.security.sweep import server_error
from tests.security.xss import FIELDS, cell_texts, unsafe_cells, unsafe_html

ROLES = [ANONYMOUS, Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER, Role.ADMIN]
REFLECTED = '"><svg onload=alert(99)><script>alert(99)</script>{{7*7}}'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page_urls(app, world) -> list[tuple[str, str]]:
    """(endpoint, URL) for every GET rule, with the hostile records' ids, every administered resource, and the
    other records of the campaign; then pages that echo what the query string says."""
    ids, users = world.ids, world.users
    values = {**ids, "user_id": users["member"].id, "token": world.upload_token, "filename": "js/app.js",
              "name": "users", "obj_id": users["member"].id, "edition_id": 999_999}  # fmt: skip
    admin = {"users": users["member"].id, "regions": region("371502").id, "industries": ids["industry"],
             "tags": ids["tag"]}  # fmt: skip
    urls = []
    for endpoint, rules in sorted(rules_by_endpoint(app).items()):
        if endpoint == "static" or endpoint.startswith("api.") and endpoint != "api.docs":
            continue
        for rule in rules:
            if "GET" not in methods(rule):
                continue
            variants = [values]
            if endpoint.startswith("admin."):
                variants = [{**values, "name": name, "obj_id": obj} for name, obj in admin.items()]
            urls += [(endpoint, url) for v in variants for url in fill(rule, v)]
    e2, e3, q = ids["signed_entry"], ids["returned_entry"], quote(REFLECTED, safe="")
    week = f"week={world.today}"
    urls += [
        ("whitelist.detail", f"/whitelist/{e2}"), ("whitelist.detail", f"/whitelist/{e3}"),
        ("teams.detail", f"/teams/{ids['team_b']}"), ("dashboard.ranking", f"/dashboard/rankings?{week}"),
        ("whitelist.index", "/whitelist/?state=signed"), ("whitelist.index", "/whitelist/?conflict=y"),
        ("whitelist.export", "/whitelist/export.xlsx?state=signed"),
    ]  # fmt: skip
    reflected = [f"/whitelist/?q={q}", f"/whitelist/?sort={q}&page={q}&phase={q}&from={q}&state={q}&team={q}",
                 f"/enterprises/?q={q}", f"/enterprises/{ids['enterprise_id']}/merge?q={q}",
                 f"/enterprises/{ids['enterprise_id']}/merge?duplicate={q}", f"/dashboard/?year={q}",
                 f"/dashboard/rankings?week={q}", f"/dashboard/print?year={q}", f"/auth/login?next={q}",
                 f"/imports/preview/{world.upload_token}?map_name={q}", f"/whitelist/propose?enterprise_id={q}",
                 f"/plans/entries/{ids['entry_id']}/log?task={q}&back={q}", f"/inbox/?page={q}", f"/teams/?x={q}",
                 f"/whitelist/{q}", f"/admin/{q}/", f"/dashboard/goals?year={q}"]  # fmt: skip
    return urls + [("reflected", url) for url in reflected]


def test_hostile_text_is_shown_as_text_on_every_page(app, client, make_user):
    users = {"member": make_user(Role.MEMBER, "371502"), "lead": make_user(Role.LEAD, "371502"),
             "county_head": make_user(Role.COUNTY_HEAD, "371502"), "manager": make_user(Role.MANAGER),
             "admin": make_user(Role.ADMIN), "other_lead": make_user(Role.LEAD, "371503")}  # fmt: skip
    world = build(client, users)
    problems, seen = list(world.problems), {f.key: set() for f in FIELDS}
    urls = page_urls(app, world)
    for role in ROLES:
        cookie = None if role == ANONYMOUS else sign_in(client, users[role])
        for endpoint, url in urls:
            use_session(client, cookie)
            response = client.get(url)
            where = f"{url} as {role}"
            if server_error(endpoint, response.status_code):
                problems.append(f"{where}: {response.status_code}")
                continue
            if response.status_code != 200:
                continue
            problems += [f"{where}: {p}" for p in inspect(response, endpoint, seen)]
    missing = [f"{f.key} (set by {f.how}) not shown on {sorted(set(f.pages.split()) - seen[f.key])}"
               for f in FIELDS if not set(f.pages.split()) <= seen[f.key]]  # fmt: skip
    assert not problems, "hostile text that would run:\n" + "\n".join(problems)
    assert not missing, "the probe did not reach these pages (fix the world or FIELDS):\n" + "\n".join(
        missing
    )


def inspect(response, endpoint: str, seen: dict) -> list[str]:
    """What is unsafe in one answer; records which fields it showed."""
    body = response.data
    if response.mimetype == "text/html":
        page = body.decode()
        for f in FIELDS:
            if f.shown in page:
                seen[f.key].add(endpoint)
        return unsafe_html(page)
    if response.mimetype == XLSX:
        texts = "\n".join(cell_texts(body))
        for f in FIELDS:
            if f"alert({f.number})" in texts:
                seen[f.key].add(endpoint)
        return unsafe_cells(body)
    if response.mimetype == "text/calendar":
        Calendar.from_ical(body)  # parses: no line of the payload broke the calendar's structure
        return []
    if response.mimetype == "application/json":
        return []
    if response.headers.get("Content-Disposition", "").startswith(
        "attachment"
    ):  # a download, never shown inline
        return []
    return [f"unexpected content type {response.mimetype}"]
