"""Saved views: a list's filters, sort and columns kept under a name, private or shared with a team, a county or
the city, and pinned to the start page."""

from flask import Blueprint

bp = Blueprint("saved_views", __name__)
