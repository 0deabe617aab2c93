"""The app the fault tests serve with gunicorn: the real app on the test database, with the fault points of
tests/faults/pause.py armed from the plan file named by $FAULT_PLAN, and each response naming the worker process
that served it (so a test sees that a new worker took over)."""

import os

from config import TestConfig
from crm import create_app
from crm.extensions import db
from tests.faults import pause


class Config(TestConfig):
    SQLALCHEMY_DATABASE_URI = os.environ["FAULT_DATABASE_URL"]
    UPLOAD_FOLDER = os.environ["FAULT_UPLOAD_FOLDER"]


app = create_app(Config)
with app.app_context():
    pause.install(db.engine, os.environ["FAULT_PLAN"])


@app.after_request
def name_the_worker(response):
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response
