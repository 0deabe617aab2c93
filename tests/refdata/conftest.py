"""The API fixtures (tokens and a client that sends them), shared with tests/api."""

from tests.api.conftest import api, token_for  # noqa: F401
