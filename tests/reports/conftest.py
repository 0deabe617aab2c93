"""The dashboard's hand-built campaign (tests/dashboard/conftest.py), reused for the reports."""

from tests.dashboard.conftest import projects, world  # noqa: F401
from tests.teams.conftest import campaign, industry  # noqa: F401
