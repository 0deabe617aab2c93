"""Locust journeys for the load test (issue 8): attack-team members on a phone, team leads, managers.

Runs in its own virtualenv (.venv-load, bench/load/requirements.txt), never in the app's: it imports nothing
from the app. bench/load/run.py starts it; by hand:

    LOAD_ACCOUNTS=/tmp/accounts.json .venv-load/bin/locust -f bench/load/locustfile.py --headless \
        -u 50 -r 10 -t 5m --host http://127.0.0.1:8765 MemberUser LeadUser ManagerUser

LOAD_ACCOUNTS is a JSON file written by run.py: {"password": ..., "member": [{"username", ...}], "lead":
[{"username", "team_id"}], "manager": [{"username"}]}; every simulated user logs in with an account of its own.
LOAD_WAIT="min,max" is the pause in seconds between two steps of a journey (default 0,0: each user sends its
next request as soon as the last one answered, so 50 users keep 50 requests in flight). LOAD_TRACE names a
file that receives one line per request (start, end, name, status, ok, ms, bytes, error), from which run.py
computes exact percentiles and the errors per time window. FloorUser hits the bare Flask page (floor.py).

A response fails on any status >= 400, on a connection error, and on a login page where content was expected
(the session was lost). A POST fails unless it redirects; a form the app shows again because a rule refused it
(a stale version, a task already done by someone else) is counted apart as "refused by a rule" and not as an
error.
"""

import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
import journeys  # bench/load/journeys.py: locust puts the locustfile's folder on sys.path
from locust import FastHttpUser, constant, events, task

ACCOUNTS = (
    json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text()) if os.environ.get("LOAD_ACCOUNTS") else {}
)
PASSWORD = ACCOUNTS.get("password", "")
WAIT = tuple(float(x) for x in os.environ.get("LOAD_WAIT", "0,0").split(","))
LOGIN_MARKER = 'autocomplete="current-password"'
_trace = open(os.environ["LOAD_TRACE"], "a", buffering=1) if os.environ.get("LOAD_TRACE") else None  # noqa: SIM115
_taken: dict[str, itertools.count] = {}


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, **_kw):
    if _trace is None:
        return
    end = time.time()
    status = getattr(response, "status_code", 0) or 0
    _trace.write(
        json.dumps(
            {
                "start": round(end - response_time / 1000, 4),
                "end": round(end, 4),
                "name": name,
                "type": request_type,
                "status": status,
                "ok": exception is None,
                "ms": round(response_time, 1),
                "bytes": response_length,
                "error": None if exception is None else str(exception)[:200],
                "message": _kw.get("message"),
            },
            ensure_ascii=False,
        )  # fmt: skip
        + "\n"
    )


def _account(role: str) -> dict:
    """The next unused account of this role (each simulated user logs in as a different person)."""
    pool = ACCOUNTS.get(role) or []
    if not pool:
        raise RuntimeError(f"no {role} accounts in LOAD_ACCOUNTS")
    index = next(_taken.setdefault(role, itertools.count()))
    return pool[index % len(pool)]


def _why(resp) -> str:
    """The status, or the connection error behind a status 0."""
    if not resp.status_code:
        return f"connection error: {getattr(resp, 'error', None)!r}"[:200]
    return f"status {resp.status_code}"


class Journey(FastHttpUser):
    """Shared steps: log in, fetch a page (failing on a login page), post a form (failing unless it redirects)."""

    abstract = True
    role = ""
    wait_time = constant(0)
    network_timeout = 120.0
    connection_timeout = 30.0

    def on_start(self) -> None:
        self.account = _account(self.role)
        self.logged_in = False
        self.log_in()

    def think(self) -> None:
        if WAIT[1] > 0:
            gevent.sleep(random.uniform(*WAIT))

    def log_in(self) -> None:
        page = self.page("/auth/login", "login form", expect_login=True)
        token = journeys.csrf(page or "")
        body = urlencode({"csrf_token": token or "", "username": self.account["username"], "password": PASSWORD,
                          "next": ""})  # fmt: skip
        with self.client.post("/auth/login", data=body, name="login POST", allow_redirects=False,
                              catch_response=True,
                              headers={"Content-Type": "application/x-www-form-urlencoded"}) as resp:  # fmt: skip
            location = resp.headers.get("Location", "") if resp.headers else ""
            if resp.status_code == 302 and "/auth/login" not in location:
                resp.success()
                self.logged_in = True
            else:
                resp.failure(f"login refused for {self.account['username']} ({_why(resp)})")

    def page(self, url: str, name: str, expect_login: bool = False) -> str | None:
        """GET a page; None when it failed."""
        with self.client.get(url, name=name, catch_response=True) as resp:
            if resp.status_code >= 400 or resp.status_code == 0:
                resp.failure(_why(resp))
                return None
            text = resp.text or ""
            if not expect_login and LOGIN_MARKER in text:
                resp.failure("the login page came back instead of the content")
                self.logged_in = False
                return None
            resp.success()
            return text

    def download(self, url: str, name: str, content_type: str) -> None:
        with self.client.get(url, name=name, catch_response=True) as resp:
            got = resp.headers.get("Content-Type", "") if resp.headers else ""
            if resp.status_code != 200 or content_type not in got:
                resp.failure(f"{_why(resp)}, {got or 'no content type'}")
            else:
                resp.success()

    def submit(
        self, url: str, name: str, body: bytes | str, content_type: str, refusal_marker: str
    ) -> str | None:
        """POST a form; returns the redirect target, or None. A re-shown form that carries `refusal_marker` (a
        flashed refusal) is a rule, not an error: it is reported under "<name> (refused by a rule)"."""
        with self.client.post(url, data=body, name=name, allow_redirects=False, catch_response=True,
                              headers={"Content-Type": content_type}) as resp:  # fmt: skip
            location = resp.headers.get("Location", "") if resp.headers else ""
            if resp.status_code in (302, 303) and "/auth/login" not in location:
                resp.success()
                return urlsplit(location).path + (
                    f"?{urlsplit(location).query}" if urlsplit(location).query else ""
                )
            text = resp.text or ""
            if resp.status_code in (200, 409, 422) and refusal_marker in text:
                resp.success()
                flash = re.search(r'class="alert alert-(?:warning|danger)[^"]*"[^>]*>(.*?)<', text, re.S)
                self.environment.events.request.fire(
                    request_type="RULE", name=f"{name} (refused by a rule)", response_time=0, response_length=0,
                    response=None, exception=None, context={},
                    message=(flash.group(1).strip() if flash else ""),
                )  # fmt: skip
                return None
            resp.failure(f"{_why(resp)}, no redirect")
            return None

    def ensure_login(self) -> bool:
        if not self.logged_in:
            self.client.cookiejar.clear()
            self.log_in()
        return self.logged_in


class MemberUser(Journey):
    """An attack-team member on a phone: my tasks, a target, log a visit from the task, the inbox."""

    role = "member"
    weight = 35
    default_headers = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"}

    @task
    def journey(self) -> None:
        if self.ensure_login():
            journeys.member(self)


class LeadUser(Journey):
    """A team lead: the list with filters and a search, the team page, assign a new target or reassign one."""

    role = "lead"
    weight = 10

    @task
    def journey(self) -> None:
        if self.ensure_login():
            journeys.lead(self)


class ManagerUser(Journey):
    """A manager: the dashboard, a drill-down list behind one of its numbers, the weekly rankings, the export."""

    role = "manager"
    weight = 5

    @task
    def journey(self) -> None:
        if self.ensure_login():
            journeys.manager(self)


class FloorUser(FastHttpUser):
    """The framework floor: one bare Flask page of the app's typical size (bench/load/floor.py)."""

    wait_time = constant(0)
    network_timeout = 120.0

    @task
    def page(self) -> None:
        with self.client.get("/", name="floor: page", catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"status {resp.status_code}")
            else:
                resp.success()
        if WAIT[1] > 0:
            gevent.sleep(random.uniform(*WAIT))
