"""A real SMTP server (aiosmtpd) on 127.0.0.1, and a target with its plan for the reminder tests."""

import socket
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller

from crm.teams import assignment
from tests.teams.conftest import campaign  # noqa: F401


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A running SMTP server; the app is pointed at it for the test."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    old = {k: app.config[k] for k in ("SMTP_HOST", "SMTP_PORT")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    yield mailbox
    controller.stop()
    app.config.update(old)


def beijing(y, m, d, hour=9) -> datetime:
    return datetime(y, m, d, hour - 8, 0, tzinfo=UTC)


@pytest.fixture
def worked(campaign):  # noqa: F811
    """A target of team A owned by the member, plan started Monday 2026-09-07 (its plan steps are the only tasks)."""
    p, teams, whitelisted = campaign
    entry = whitelisted("提醒测试企业有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], beijing(2026, 9, 7))
    return p, teams, entry
