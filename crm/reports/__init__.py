"""The weekly 工作周报 and the monthly 工作通报: the dashboard's figures of a scope (the city, or a county for its
head) written as a Word document with tables and charts, for the Monday meeting and the month's report to the
city leadership; built on schedule, kept in an archive, sent to managers and county heads."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
screen_bp = Blueprint("screen", __name__)  # the big screen's addresses: /screen/<token>, no login
