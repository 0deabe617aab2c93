"""The dashboard's hand-built campaign (tests/dashboard/conftest.py) and a real SMTP server, reused for the
reports."""

from tests.dashboard.conftest import projects, world  # noqa: F401
from tests.reminders.conftest import smtp  # noqa: F401
from tests.teams.conftest import campaign, industry  # noqa: F401
