"""Delivery channels: the in-app inbox, email over SMTP, and a group robot's webhook (企业微信/钉钉 shape)."""

import contextlib
import hashlib
import json
import smtplib
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr

from flask import current_app

from crm.extensions import db
from crm.inbox.models import InboxItem
from crm.outbox import insert_ignoring_duplicates
from crm.parsing import host_allowed
from crm.reminders.models import Notification
from crm.reports.models import ReportEdition
from crm.teams.models import Team


class DeliveryError(Exception):
    """The channel refused or failed; the outbox retries with backoff."""


@dataclass(frozen=True)
class Outgoing:
    """A claimed notification as the channels need it, read once per delivery pass with its recipient's address
    and name: ORM rows were expired by every commit of the pass (the inbox's, each batch of marks) and read
    again one by one."""

    id: int
    dedupe_key: str
    channel: str
    user_id: int | None
    team_id: int | None
    entry_id: int | None
    kind: str
    title: str
    body: str | None
    created_at: datetime
    email: str | None = None
    full_name: str | None = None
    report_edition_id: int | None = None  # a report edition attached to the email


def message_id(notification: Notification | Outgoing) -> str:
    """Stable per dedupe key: a resent email is recognisably the same message."""
    digest = hashlib.sha256(notification.dedupe_key.encode()).hexdigest()[:32]
    return f"<{digest}@crm.liaocheng>"


class Connections:
    """What one delivery pass reuses: a single SMTP session for all its emails."""

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None

    def smtp(self) -> smtplib.SMTP:
        if self._smtp is None:
            config = current_app.config
            smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10)
            if config["SMTP_TLS"]:
                smtp.starttls()
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            self._smtp = smtp
        return self._smtp

    def drop_smtp(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None

    def close(self) -> None:
        self.drop_smtp()


def deliver_inbox(notification: Notification | Outgoing, connections: Connections | None) -> None:
    # The unique notification_id makes a second delivery of the same row a no-op.

    insert_ignoring_duplicates(InboxItem.__table__, [{
        "user_id": notification.user_id, "entry_id": notification.entry_id, "kind": notification.kind,
        "title": notification.title, "body": notification.body, "created_at": notification.created_at,
        "notification_id": notification.id,
    }])  # fmt: skip
    db.session.commit()


def email_message(notification: Outgoing, sender: str) -> MIMEBase:
    """The email of a notification: plain text in UTF-8, the subject as an RFC 2047 encoded word.

    Built with the compat32 policy (MIMEText's): EmailMessage's default policy parses and refolds every header it
    is given, which was most of the cost of sending 10,000 emails."""
    # One line: titles carry enterprise and team names, and a line break in a header is refused by the email
    # library (an exception that stopped the whole delivery pass, every time the row was retried).
    subject = " ".join(notification.title.split())
    text = f"{notification.full_name}：\n\n{notification.title}\n\n{notification.body or ''}\n\n—— 聊城市强企业攻坚目标企业管理系统\n"
    msg: MIMEBase = MIMEText(text, "plain", "utf-8", policy=policy.compat32)
    if notification.report_edition_id is not None:
        msg = _with_report(msg, notification)
    assert notification.email is not None  # deliver_email checked the address
    msg["From"], msg["To"] = formataddr(parseaddr(sender), "utf-8"), notification.email
    # typeshed types the headers as str; under the compat32 policy a Header (an RFC 2047 encoded word) is taken too
    msg["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]
    msg["Message-ID"] = message_id(notification)
    msg["Date"] = format_datetime(notification.created_at)
    return msg


def _with_report(text: MIMEBase, notification: Outgoing) -> MIMEBase:
    """The email as text and the report edition's .docx attached, named by the report's title and period."""
    edition = db.session.get(ReportEdition, notification.report_edition_id)
    if edition is None:  # deleted since it was queued: the text alone
        return text
    msg = MIMEMultipart(policy=policy.compat32)
    msg.attach(text)
    part = MIMEApplication(edition.docx, "vnd.openxmlformats-officedocument.wordprocessingml.document",
                           policy=policy.compat32)  # fmt: skip
    name = f"{' '.join(notification.title.split())} {edition.period_start}～{edition.period_end}.docx"
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
    msg.attach(part)
    return msg


def deliver_email(notification: Outgoing, connections: Connections) -> None:
    config = current_app.config
    if not config["SMTP_HOST"] or not notification.email:
        raise DeliveryError("email is not configured for this recipient")
    msg = email_message(notification, config["MAIL_FROM"])
    try:
        # CRLF line ends: smtplib sends bytes as given, and a message with an attachment is far longer than the
        # 1,000 characters an SMTP line may have when its lines end in a bare LF.
        wire = msg.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))
        connections.smtp().sendmail(parseaddr(config["MAIL_FROM"])[1], [notification.email], wire)
    except (OSError, smtplib.SMTPException) as error:
        connections.drop_smtp()  # the next email opens a fresh session
        raise DeliveryError(f"SMTP: {error}") from error


def webhook_payload(notification: Notification | Outgoing) -> dict:
    """The text message both 企业微信 and 钉钉 group robots accept."""
    text = notification.title + (f"\n{notification.body}" if notification.body else "")
    return {"msgtype": "text", "text": {"content": text}}


def _webhook_url(notification: Outgoing) -> str | None:
    """A team's robot, or for a report with no team the leadership group's (REPORT_WEBHOOK_URL)."""
    if notification.team_id is None:
        return current_app.config.get("REPORT_WEBHOOK_URL") if notification.kind == "report" else None
    team = db.session.get(Team, notification.team_id)
    return team.webhook_url if team is not None else None


def deliver_webhook(notification: Outgoing, connections: Connections) -> None:
    url = _webhook_url(notification)
    if not url:
        raise DeliveryError("the team has no webhook")
    if not host_allowed(url, current_app.config["WEBHOOK_ALLOWED_HOSTS"]):
        raise DeliveryError(
            "the webhook's host is not in WEBHOOK_ALLOWED_HOSTS"
        )  # saved before the list changed
    body = json.dumps(webhook_payload(notification), ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(
            request, timeout=current_app.config["WEBHOOK_TIMEOUT_SECONDS"]
        ) as response:  # noqa: S310
            if response.status >= 300:
                raise DeliveryError(f"webhook answered {response.status}")
    except OSError as error:
        raise DeliveryError(f"webhook: {error}") from error


CHANNELS = {"inbox": deliver_inbox, "email": deliver_email, "webhook": deliver_webhook}
