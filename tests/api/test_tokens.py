"""Personal tokens: only bearer tokens open the API; the tokens page creates (once), lists and revokes them."""

import re
from datetime import timedelta

from sqlalchemy import select

from crm.api.models import ApiToken
from crm.api.tokens import hash_token
from crm.extensions import db
from crm.types import utcnow
from crm.vocab import Role
from tests.api.conftest import error_code


def test_a_session_cookie_alone_gets_401(login, make_user):
    client = login(make_user(Role.MANAGER))
    response = client.get("/api/v1/entries")
    assert response.status_code == 401
    assert error_code(response) == "token_missing"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_works_and_last_use_is_recorded(client, make_user, token_for):
    user = make_user(Role.MANAGER)
    raw = token_for(user)
    response = client.get("/api/v1/entries", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200 and response.get_json()["total"] == 0
    assert "Set-Cookie" not in response.headers  # nothing is written to a session
    token = db.session.scalar(select(ApiToken))
    assert token.last_used_at is not None and token.token_hash == hash_token(raw)
    assert raw not in {token.token_hash, token.prefix, token.name}  # only the hash is kept


def test_revoked_expired_unknown_and_disabled_tokens_get_401(client, make_user, token_for):
    user = make_user(Role.MANAGER)
    revoked, expired, disabled_user = (
        token_for(user),
        token_for(user, timedelta(seconds=-1)),
        make_user(Role.LEAD),
    )
    disabled = token_for(disabled_user)
    db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(revoked))
    ).revoked_at = utcnow()
    disabled_user.is_active_flag = False
    db.session.commit()
    for raw in (revoked, expired, disabled, "crm_not-a-real-token", "x" * 500):
        response = client.get("/api/v1/teams", headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 401 and error_code(response) == "token_invalid"
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer "):
        assert client.get("/api/v1/teams", headers={"Authorization": header}).status_code == 401


def test_csrf_is_not_needed_for_token_requests(app, api, make_user, make_entry, now):
    head = make_user(Role.COUNTY_HEAD, "371502")
    entry = make_entry(make_user(Role.LEAD, "371502"))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = api(head).post(
            f"/api/v1/entries/{entry.id}/actions/approve", json={"version": entry.version}
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["review_stage"] == "city"


def test_errors_are_json_everywhere_under_the_api(client, api, make_user):
    caller = api(make_user(Role.MANAGER))
    assert error_code(caller.get("/api/v1/no-such-thing")) == "not_found"
    assert error_code(caller.get("/api/v1/entries/999999")) == "not_found"
    response = client.delete("/api/v1/entries")
    assert response.status_code == 405 and error_code(response) == "method_not_allowed"
    assert client.get("/no-such-page").content_type.startswith("text/html")  # the HTML app keeps its pages


def test_the_tokens_page_creates_lists_and_revokes(login, make_user, client):
    user = make_user(Role.MEMBER, "371502")
    login(user)
    response = client.post("/auth/tokens", data={"name": "数据报送脚本", "days": "30"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    raw = re.search(r"(crm_[A-Za-z0-9_-]{40,})", response.get_data(as_text=True)).group(1)
    page = client.get("/auth/tokens").get_data(as_text=True)
    assert "数据报送脚本" in page and raw not in page  # shown once
    token = db.session.scalar(select(ApiToken))
    assert token.expires_at is not None and raw.startswith(token.prefix)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/notifications", headers=headers).status_code == 200
    assert client.post(f"/auth/tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/v1/notifications", headers=headers).status_code == 401


def test_nobody_revokes_another_users_token(login, make_user, client, token_for):
    owner = make_user(Role.MEMBER, "371502")
    token_for(owner)
    token = db.session.scalar(select(ApiToken))
    login(make_user(Role.MANAGER))
    assert client.post(f"/auth/tokens/{token.id}/revoke").status_code == 404
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_the_preferences_page_links_to_the_tokens_page(login, make_user):
    client = login(make_user(Role.MEMBER, "371502"))
    assert "/auth/tokens" in client.get("/reminders/preferences").get_data(as_text=True)


def test_docs_page_uses_the_vendored_renderer_without_inline_script(login, make_user):
    client = login(make_user(Role.MEMBER, "371502"))
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in page and "js/api-docs.js" in page
    assert "<script>" not in page and "http" not in re.sub(r'href="[^"]*"|src="[^"]*"', "", page)
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/api/v1/openapi.json").get_json()
    assert (
        spec["openapi"].startswith("3.")
        and spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    )
