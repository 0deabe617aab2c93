"""Fixtures for the JSON API: personal tokens and a client that sends them."""

from datetime import timedelta

import pytest

from crm.api import tokens
from crm.types import utcnow


@pytest.fixture
def token_for(app):
    """token_for(user) → a fresh personal token (the raw string a program would send)."""

    def make(user, expires_in: timedelta | None = None) -> str:
        now = utcnow()
        return tokens.create_token(user, "test", now, now + expires_in if expires_in else None)[1]

    return make


@pytest.fixture
def api(client, token_for):
    """api(user).get/post(url, json=...) with 'Authorization: Bearer <token>' and no session cookie."""

    class Caller:
        def __init__(self, token: str):
            self.headers = {"Authorization": f"Bearer {token}"}

        def get(self, url, **kwargs):
            return client.get(url, headers=self.headers, **kwargs)

        def post(self, url, **kwargs):
            return client.post(url, headers=self.headers, **kwargs)

    return lambda user: Caller(token_for(user))


def error_code(response) -> str:
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"]
    return body["error"]["code"]
