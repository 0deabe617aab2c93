"""Configuration classes read from the environment.

Pick one with CRM_CONFIG (dev, test, prod); every value can be overridden by an environment variable.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


DEV_SECRET_KEY = "dev-only-secret-change-me"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'crm.db'}")
    # PostgreSQL: connections idle for a while are pinged before use (crm/pgconn.py), not every one on every request.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    DATABASE_CONNECT_TIMEOUT = _env_int("DATABASE_CONNECT_TIMEOUT", 5)  # seconds (PostgreSQL)
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    BABEL_DEFAULT_LOCALE = os.environ.get("BABEL_DEFAULT_LOCALE", "zh_CN")
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "crm" / "translations")
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session; phones keep forms open for long
    # Every cookie is HttpOnly, SameSite=Lax, and Secure in production and on any HTTPS request (crm/extensions.py).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Sessions live on the server (crm/auth/sessions.py): one not used for this long ends; "keep me logged in"
    # lasts REMEMBER_DAYS from the login. Logout, a new password and "sign out everywhere" end them at once.
    SESSION_IDLE_HOURS = _env_int("SESSION_IDLE_HOURS", 24)
    REMEMBER_DAYS = _env_int("REMEMBER_DAYS", 30)
    REMEMBER_COOKIE_DURATION = timedelta(days=REMEMBER_DAYS)
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)
    IMPORT_MAX_BYTES = _env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)  # a spreadsheet to import
    # Contact-log attachments; empty means instance/uploads.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", "")
    PER_PAGE = _env_int("PER_PAGE", 20)
    # Login throttling (crm/auth/throttle.py, docs/OPERATIONS.md): after this many failures within the window, each
    # further attempt waits LOGIN_DELAY_SECONDS, doubling per failure up to LOGIN_MAX_DELAY_SECONDS; counted per
    # user name and address (or per known device), ...
    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
    # ...and, for browsers and addresses the user name has never signed in from, per user name and per address.
    LOGIN_MAX_FAILURES_PER_USER = _env_int("LOGIN_MAX_FAILURES_PER_USER", 10)
    LOGIN_MAX_FAILURES_PER_IP = _env_int("LOGIN_MAX_FAILURES_PER_IP", 30)
    LOGIN_WINDOW_MINUTES = _env_int("LOGIN_WINDOW_MINUTES", 24 * 60)
    LOGIN_DELAY_SECONDS = _env_int("LOGIN_DELAY_SECONDS", 2)
    LOGIN_MAX_DELAY_SECONDS = _env_int("LOGIN_MAX_DELAY_SECONDS", 900)
    # An address a user signed in from, and a browser's known-device cookie, count as known this long.
    LOGIN_KNOWN_DAYS = _env_int("LOGIN_KNOWN_DAYS", 90)
    # werkzeug's default (scrypt) in production; tests use a cheap hash so hundreds of users are quick.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
    # Reminders: SMTP relay for email, outbox retries, scheduler cadence.
    SMTP_HOST = os.environ.get("SMTP_HOST", "")  # empty: email is not sent (the inbox still is)
    SMTP_PORT = _env_int("SMTP_PORT", 25)
    SMTP_TLS = os.environ.get("SMTP_TLS", "0") == "1"  # STARTTLS
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "crm@localhost")
    OUTBOX_MAX_ATTEMPTS = _env_int("OUTBOX_MAX_ATTEMPTS", 5)
    OUTBOX_STALE_MINUTES = _env_int("OUTBOX_STALE_MINUTES", 10)
    OUTBOX_BATCH = _env_int("OUTBOX_BATCH", 200)
    SCAN_INTERVAL_MINUTES = _env_int("SCAN_INTERVAL_MINUTES", 5)
    WEBHOOK_TIMEOUT_SECONDS = _env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
    # Hosts a team's group-robot URL may point at (comma-separated; "*" allows any). The scheduler POSTs to it,
    # so an open list would let whoever edits a team make the server call internal addresses.
    WEBHOOK_ALLOWED_HOSTS = os.environ.get("WEBHOOK_ALLOWED_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com")
    # The dashboard keeps its figures this long per scope (crm/dashboard/cache.py); 0 computes them every time.
    DASHBOARD_CACHE_SECONDS = _env_int("DASHBOARD_CACHE_SECONDS", 60)
    # A .docx whose styles, page setup, letterhead, header and footer the weekly and monthly reports take.
    REPORT_TEMPLATE = os.environ.get("REPORT_TEMPLATE") or None
    # The leadership group's robot (企业微信/钉钉) that gets a message with the link to each city-wide report, and the
    # address people open the system at (for links in messages sent outside a request); both optional.
    REPORT_WEBHOOK_URL = os.environ.get("REPORT_WEBHOOK_URL") or None
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "").rstrip("/")
    # Set on several workers or nodes: the dashboard cache is shared through Redis (crm/dashboard/shared_cache.py).
    REDIS_URL = os.environ.get("REDIS_URL", "")
    DASHBOARD_CACHE_PREFIX = os.environ.get("DASHBOARD_CACHE_PREFIX", "crm:dashboard:")
    # The scheduler computes each scope's figures ahead every DASHBOARD_SNAPSHOT_MINUTES and a page uses them while
    # younger than DASHBOARD_SNAPSHOT_SECONDS (crm/dashboard/snapshots.py); 0 seconds turns snapshots off.
    DASHBOARD_SNAPSHOT_MINUTES = _env_int("DASHBOARD_SNAPSHOT_MINUTES", 5)
    DASHBOARD_SNAPSHOT_SECONDS = _env_int("DASHBOARD_SNAPSHOT_SECONDS", 900)
    # A list's total of at least LIST_COUNT_KEEP_FROM rows is kept LIST_COUNT_SECONDS per process (crm/list_counts.py).
    LIST_COUNT_SECONDS = _env_int("LIST_COUNT_SECONDS", 20)
    LIST_COUNT_KEEP_FROM = _env_int("LIST_COUNT_KEEP_FROM", 2000)
    # The filter rows' counties, categories and industries, the holiday table and the settings kept this long per
    # process (crm/refdata/choices.py, crm/plans/calendar.py, crm/settings.py); a write in the process is seen at once.
    REFDATA_CACHE_SECONDS = _env_int("REFDATA_CACHE_SECONDS", 60)
    # Logs: "json" (one object per line, with request and user ids) or "text".
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # Behind nginx: how many proxies set X-Forwarded-For/-Proto/-Host (0 trusts none). Needed for the per-address
    # login lock, Secure cookies and HSTS to see the real client and scheme.
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)
    # /healthz calls the scheduler stale when no job has succeeded for this long.
    HEALTH_SCHEDULER_MAX_AGE_MINUTES = _env_int("HEALTH_SCHEDULER_MAX_AGE_MINUTES", 15)
    # Where `flask crm backup` writes when no path is given.
    BACKUP_DIR = os.environ.get("BACKUP_DIR", str(BASE_DIR / "instance" / "backups"))
    # An .xlsx to import may unpack to at most this many MB (crm/imports/reader.py: 20,000 realistic rows unpack to
    # about 20 MB and load in ~5 s; the row and cell counts are checked before loading too).
    IMPORT_MAX_UNPACKED_MB = _env_int("IMPORT_MAX_UNPACKED_MB", 32)
    # seed-demo refuses to run where this is true.
    IS_PRODUCTION = False


class DevConfig(Config):
    DEBUG = os.environ.get("FLASK_DEBUG", "0") == "1"


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False  # tests that check CSRF switch it back on
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    WEBHOOK_ALLOWED_HOSTS = "*"  # the tests' robots listen on 127.0.0.1; tests/teams checks the list
    DASHBOARD_CACHE_SECONDS = 0  # the figure tests compute afresh; tests/dashboard/test_cache.py turns it on
    DASHBOARD_SNAPSHOT_SECONDS = 0  # likewise; tests/dashboard/test_snapshots.py turns snapshots on
    REDIS_URL = ""  # tests/dashboard/test_shared_cache.py sets its own
    LIST_COUNT_SECONDS = 0  # totals counted on every request; tests/test_list_counts.py turns the keeping on
    REFDATA_CACHE_SECONDS = (
        0  # choices read on every request; tests/refdata/test_choices_cache.py turns it on
    )
    UPLOAD_FOLDER = tempfile.mkdtemp(prefix="crm-test-uploads-")


class ProdConfig(Config):
    IS_PRODUCTION = True
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    @classmethod
    def check(cls) -> None:
        if cls.SECRET_KEY == DEV_SECRET_KEY or "DATABASE_URL" not in os.environ:
            raise RuntimeError("production needs SECRET_KEY and DATABASE_URL set in the environment")


CONFIGS = {"dev": DevConfig, "test": TestConfig, "prod": ProdConfig}


def get_config(name: str | None = None) -> type[Config]:
    """The config class named, or by CRM_CONFIG. Unset means production, so a server started without it refuses
    to run on the development secret; `make run` sets CRM_CONFIG=dev."""
    return CONFIGS[name or os.environ.get("CRM_CONFIG", "prod")]
