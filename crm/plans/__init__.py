"""The three-month plan: steps and follow-up tasks, contact logs, stages with evidence, lights, calendars."""

from flask import Blueprint

bp = Blueprint("plans", __name__)
