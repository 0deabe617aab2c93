"""The manager's view: the year's goals, the dashboard, rankings, drill-down and export."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)
