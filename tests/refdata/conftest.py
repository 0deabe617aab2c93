"""The API fixtures (tokens and a client that sends them), shared with tests/api."""

from contextlib import contextmanager

from crm.kept import Kept
from tests.api.conftest import api, token_for  # noqa: F401


@contextmanager
def kept_for_a_minute(app, monkeypatch, kept: Kept):
    """REFDATA_CACHE_SECONDS on (60), `kept`'s clock stopped at a time the test moves (the yielded one-item list),
    nothing kept before or after, inside a request."""
    monkeypatch.setitem(app.config, "REFDATA_CACHE_SECONDS", 60)
    now = [1000.0]
    monkeypatch.setattr(kept, "clock", lambda: now[0])
    kept.forget()
    try:
        with app.test_request_context():
            yield now
    finally:
        kept.forget()
