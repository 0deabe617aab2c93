"""The JSON API under /api/v1, for the province's systems and scripts: personal tokens, the UI's scope filter."""

from flask import Blueprint

bp = Blueprint("api", __name__)
