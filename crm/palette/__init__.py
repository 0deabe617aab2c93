"""The command palette (Ctrl/⌘+K): jump to an enterprise, a whitelist entry, a team or a page the user may open,
or run an action the current page offers."""

from flask import Blueprint

bp = Blueprint("palette", __name__)
