"""The target-enterprise CRM: application factory."""

from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask

from config import get_config
from crm.observability import init_observability
from crm.parsing import BoundedIntConverter

if TYPE_CHECKING:
    from sqlalchemy.pool import ConnectionPoolEntry


def create_app(config: str | type | None = None) -> Flask:
    """Build the app from small register_* steps; `config` is a name (dev/test/prod) or a class."""
    app = Flask(
        __name__, template_folder="../templates", static_folder="../static", instance_relative_config=True
    )
    config_class = config if isinstance(config, type) else get_config(config)
    if hasattr(config_class, "check"):
        config_class.check()
    app.config.from_object(config_class)
    app.url_map.converters["int"] = BoundedIntConverter
    _ensure_sqlite_dir(app)
    _trust_proxies(app)
    init_observability(app)
    register_extensions(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def _ensure_sqlite_dir(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////:memory"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _trust_proxies(app: Flask) -> None:
    """Behind nginx, take the client address, scheme and host from the X-Forwarded-* headers of PROXY_COUNT
    proxies (and only then: a client could forge them)."""
    count = app.config["PROXY_COUNT"]
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix  # deliberate: only behind a proxy

        # Flask's documented way to add a WSGI middleware (its types make wsgi_app a method).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    # Deliberate: crm/__init__ runs on every `import crm.…`; the app's parts load only when an app is built.
    from crm import models  # noqa: F401  (every model registered before Alembic looks)
    from crm.auth.loader import init_login
    from crm.extensions import babel, csrf, db, migrate
    from crm.i18n import ContextDomain, install_template_gettext, select_locale, select_timezone
    from crm.pgconn import init_pgconn
    from crm.prepared import init_prepared

    _postgres_options(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    babel.domain_instance = (
        ContextDomain()
    )  # the default domain ("messages"), translations found once per context
    install_template_gettext(app)
    init_login(app)
    _sqlite_pragmas(app)
    init_prepared(app)
    init_pgconn(app)


def _postgres_options(app: Flask) -> None:
    """The app's PostgreSQL connections turn JIT off: it compiles the dashboard's aggregate queries for ~0.5 s each
    and saves far less (measured with bench/dashboard.py at 100,000 entries). They also price a random page read
    at 1.1 sequential ones instead of the default 4 (priced for spinning disks): the campaign's tables are read
    from memory, and at 4 the planner read every whitelist entry rather than look up the 757 an enterprise search
    had found (10 ms instead of 1.7; bench/pages.py). A deployment that wants other values sets the options in
    SQLALCHEMY_ENGINE_OPTIONS' connect_args."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("options", "-c jit=off -c random_page_cost=1.1")
    # A server that accepts the connection but never answers must not hold a worker until gunicorn's timeout.
    connect_args.setdefault("connect_timeout", app.config["DATABASE_CONNECT_TIMEOUT"])
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _sqlite_pragmas(app: Flask) -> None:
    """SQLite: enforce foreign keys and let readers work beside a writer."""
    # Deliberate: crm/__init__ runs on every `import crm.…`; the app's parts load only when an app is built.
    from sqlalchemy import event

    from crm.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: "ConnectionPoolEntry") -> None:  # sqlite3.Connection
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()


def register_blueprints(app: Flask) -> None:
    # Deliberate: the views load when an app is built, not with their packages, so a script or a migration that
    # imports a model or a service does not load the web (and crm/__init__ runs on every `import crm.…`).
    from crm.admin import alias_views as _alias_views  # noqa: F401
    from crm.admin import bp as admin_bp
    from crm.admin import views as _admin_views  # noqa: F401
    from crm.api import bp as api_bp
    from crm.api import views as _api_views  # noqa: F401
    from crm.auth import bp as auth_bp
    from crm.auth import views as _auth_views  # noqa: F401
    from crm.chains import bp as chains_bp
    from crm.chains import views as _chain_views  # noqa: F401
    from crm.dashboard import bp as dashboard_bp
    from crm.dashboard import views as _dashboard_views  # noqa: F401
    from crm.enterprises import bp as enterprises_bp
    from crm.enterprises import views as _enterprise_views  # noqa: F401
    from crm.imports import bp as imports_bp
    from crm.imports import views as _import_views  # noqa: F401
    from crm.inbox import bp as inbox_bp
    from crm.inbox import views as _inbox_views  # noqa: F401
    from crm.instructions import bp as instructions_bp
    from crm.instructions import views as _instruction_views  # noqa: F401
    from crm.main import bp as main_bp
    from crm.main import health_views as _health_views  # noqa: F401
    from crm.main import views as _main_views  # noqa: F401
    from crm.palette import bp as palette_bp
    from crm.palette import views as _palette_views  # noqa: F401
    from crm.plans import admin_views as _plan_admin_views  # noqa: F401
    from crm.plans import bp as plans_bp
    from crm.plans import views as _plan_views  # noqa: F401
    from crm.projects import bp as projects_bp
    from crm.projects import return_views as _return_views  # noqa: F401
    from crm.projects import views as _project_views  # noqa: F401
    from crm.reminders import bp as reminders_bp
    from crm.reminders import views as _reminder_views  # noqa: F401
    from crm.reports import bp as reports_bp
    from crm.reports import screen_bp
    from crm.reports import views as _report_views  # noqa: F401
    from crm.saved_views import bp as saved_views_bp
    from crm.saved_views import views as _saved_views  # noqa: F401
    from crm.teams import bp as teams_bp
    from crm.teams import views as _team_views  # noqa: F401
    from crm.whitelist import assign_views as _assign_views  # noqa: F401
    from crm.whitelist import board_views as _board_views  # noqa: F401
    from crm.whitelist import bp as whitelist_bp
    from crm.whitelist import conflict_views as _conflict_views  # noqa: F401
    from crm.whitelist import export_views as _export_views  # noqa: F401
    from crm.whitelist import views as _whitelist_views  # noqa: F401

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(whitelist_bp, url_prefix="/whitelist")
    app.register_blueprint(dashboard_bp, url_prefix="/dashboard")
    app.register_blueprint(imports_bp, url_prefix="/imports")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(enterprises_bp, url_prefix="/enterprises")
    app.register_blueprint(teams_bp, url_prefix="/teams")
    app.register_blueprint(inbox_bp, url_prefix="/inbox")
    app.register_blueprint(instructions_bp, url_prefix="/instructions")
    app.register_blueprint(plans_bp, url_prefix="/plans")
    app.register_blueprint(reminders_bp, url_prefix="/reminders")
    app.register_blueprint(projects_bp, url_prefix="/projects")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(chains_bp, url_prefix="/chains")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(screen_bp, url_prefix="/screen")
    app.register_blueprint(saved_views_bp, url_prefix="/views")
    app.register_blueprint(palette_bp, url_prefix="/palette")


def register_template_helpers(app: Flask) -> None:
    # Deliberate: crm/__init__ runs on every `import crm.…`; the app's parts load only when an app is built.
    from crm.chrome import init_chrome
    from crm.templating import init_templating

    init_templating(app)
    init_chrome(app)


def register_errorhandlers(app: Flask) -> None:
    # Deliberate: crm/__init__ runs on every `import crm.…`; the app's parts load only when an app is built.
    from crm.errors import init_errorhandlers

    init_errorhandlers(app)


def register_commands(app: Flask) -> None:
    # Deliberate: crm/__init__ runs on every `import crm.…`; the app's parts load only when an app is built.
    from crm.cli import crm_cli

    app.cli.add_command(crm_cli)
