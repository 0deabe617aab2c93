"""WSGI entry point: `gunicorn wsgi:app` (and `flask run`, whose server is told not to name its version)."""

from crm import create_app
from crm.observability import quiet_dev_server

quiet_dev_server()
app = create_app()
