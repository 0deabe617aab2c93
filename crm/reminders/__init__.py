"""Reminders and escalation: the scan rules, the outbox and its delivery channels, the scheduler jobs."""

from flask import Blueprint

bp = Blueprint("reminders", __name__)
