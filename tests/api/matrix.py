"""What a browser's session cookie gets from each API route (tests/test_permissions.py merges this into MATRIX):
the API answers 401 to a cookie; the documentation and the tokens page are ordinary pages."""

from crm.vocab import Role

M, L, H, G, A = Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER, Role.ADMIN
COOKIE_REFUSED = {"in": {M: 401, L: 401, H: 401, G: 401, A: 401}}
EVERYONE = {"in": {M: 200, L: 200, H: 200, G: 200, A: 200}}

API_ROUTES = {
    "api.list_enterprises": ("GET", "/api/v1/enterprises"),
    "api.get_enterprise": ("GET", "/api/v1/enterprises/{enterprise}"),
    "api.list_entries": ("GET", "/api/v1/entries"),
    "api.get_entry": ("GET", "/api/v1/entries/{assigned}"),
    "api.act_on_entry": ("POST", "/api/v1/entries/{proposal}/actions/approve"),
    "api.list_assignments": ("GET", "/api/v1/entries/{assigned}/assignments"),
    "api.assign_entry": ("POST", "/api/v1/entries/{whitelisted}/assign"),
    "api.list_logs": ("GET", "/api/v1/entries/{assigned}/logs"),
    "api.create_log": ("POST", "/api/v1/entries/{assigned}/logs"),
    "api.list_teams": ("GET", "/api/v1/teams"),
    "api.get_team": ("GET", "/api/v1/teams/{team}"),
    "api.list_tasks": ("GET", "/api/v1/tasks"),
    "api.list_notifications": ("GET", "/api/v1/notifications"),
    "api.dashboard": ("GET", "/api/v1/dashboard"),
    "api.list_projects": ("GET", "/api/v1/projects"),
    "api.get_project": ("GET", "/api/v1/projects/{project}"),
    "api.create_arrival": ("POST", "/api/v1/projects/{project}/arrivals"),
    "api.list_chains": ("GET", "/api/v1/chains"),
    "api.get_chain": ("GET", "/api/v1/chains/{chain}"),
}

SESSION_MATRIX = {
    **{name: (method, url, {} if method == "POST" else None, COOKIE_REFUSED) for name, (method, url) in API_ROUTES.items()},
    # The document is readable with a session, so the docs page can load it; anonymous gets 401 (JSON).
    "api.openapi": ("GET", "/api/v1/openapi.json", None, EVERYONE),
    "api.docs": ("GET", "/api/v1/docs", None, EVERYONE),
    "auth.tokens_page": ("GET", "/auth/tokens", None, EVERYONE),
    "auth.revoke_token": ("POST", "/auth/tokens/999999/revoke", {}, {"in": {M: 404, L: 404, H: 404, G: 404, A: 404}}),
}  # fmt: skip
# Anonymous requests to these answer 401 JSON, not a redirect to the login page.
ANONYMOUS_401 = {name for name in SESSION_MATRIX if name in API_ROUTES or name == "api.openapi"}
