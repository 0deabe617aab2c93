"""Flask extensions, created unbound and initialised in create_app()."""

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from flask import Flask, Response, current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_login import LoginManager
from flask_login.utils import encode_cookie
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Index, MetaData, Table
from sqlalchemy.dialects.postgresql import dml as pg_dml
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import dml as sqlite_dml
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def cookie_secure(configured: bool) -> bool:
    """A cookie is Secure when configured so (production) and whenever the request came over HTTPS."""
    return bool(configured) or request.is_secure


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, Secure on HTTPS requests even where SESSION_COOKIE_SECURE is off."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return cookie_secure(super().get_cookie_secure(app))


class CrmLoginManager(LoginManager):
    """Flask-Login whose remember-me cookie is set, and removed, with HttpOnly, SameSite and (on HTTPS or where
    configured) Secure; Flask-Login 0.6 takes Secure from the configuration only and removes the cookie bare."""

    def _remember_cookie(self) -> dict:
        config = current_app.config
        return {
            "key": config.get("REMEMBER_COOKIE_NAME", "remember_token"),
            "domain": config.get("REMEMBER_COOKIE_DOMAIN"),
            "path": config.get("REMEMBER_COOKIE_PATH", "/"),
            "secure": cookie_secure(config.get("REMEMBER_COOKIE_SECURE", False)),
            "httponly": True,
            "samesite": config.get("REMEMBER_COOKIE_SAMESITE", "Lax"),
        }

    def _set_cookie(self, response: Response) -> None:
        duration = current_app.config["REMEMBER_COOKIE_DURATION"]
        response.set_cookie(value=encode_cookie(str(session["_user_id"])),
                            max_age=int(duration.total_seconds()), **self._remember_cookie())  # fmt: skip

    def _clear_cookie(self, response: Response) -> None:
        response.delete_cookie(**self._remember_cookie())


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = CrmLoginManager()
csrf = CSRFProtect()
babel = Babel()

# The base class of the models.
if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FSAModel

    class Model(_FSAModel, Base):
        """`db.Model` as the type checker sees it: mypy cannot take an attribute (`db.Model`) as a base class."""

        __abstract__ = True
        __table__: ClassVar[Table]  # every model here maps one table (DeclarativeBase says FromClause)

else:
    Model = db.Model


def pg_only_index(name: str, column: str, using: str, ops: str) -> Index:
    """An index that exists on PostgreSQL only (e.g. a pg_trgm GIN index): not created on SQLite, and left out of
    the schema comparison there (`include_object`)."""
    return Index(
        name, column, postgresql_using=using, postgresql_ops={column: ops}, info={"dialect": "postgresql"}
    ).ddl_if(dialect="postgresql")


# PostgreSQL's indexes on crm_short_grams(…) for one- and two-character search terms (migration c2d4e6f8a0b1,
# crm.enterprises.search.short_term): they exist in the migrations only, as the function they index does.
SEARCH_EXPRESSION_INDEXES = frozenset(
    {
        "ix_enterprises_name_key_grams",
        "ix_enterprises_name_en_grams",
        "ix_enterprises_name_initials_grams",
        "ix_projects_name_grams",
    }
)


def include_object(dialect: str) -> Callable[[object, str, str, bool, object | None], bool]:
    """For Alembic's autogenerate and the schema test: skip objects meant for another database."""

    def include(obj: object, name: str, type_: str, reflected: bool, compare_to: object | None) -> bool:
        if type_ == "table" and reflected and compare_to is None and name.startswith("enterprise_search"):
            return False  # SQLite's FTS5 search table and its shadow tables (migration b8e2f4a6c1d3)
        if type_ == "index" and reflected and compare_to is None and name in SEARCH_EXPRESSION_INDEXES:
            return False  # expression indexes over a function of the migration's own (c2d4e6f8a0b1)
        wanted = getattr(obj, "info", {}).get("dialect")
        return wanted is None or wanted == dialect

    return include


def dialect_insert(table: Table) -> pg_dml.Insert | sqlite_dml.Insert:
    """The database's own INSERT, which has ON CONFLICT (PostgreSQL and SQLite alike)."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    return insert(table)
