"""Projects (招商项目): what a signed target brings, from signing to production, and the monthly 到位资金 return."""

from flask import Blueprint

bp = Blueprint("projects", __name__)
