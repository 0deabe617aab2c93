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
import uuid
from datetime import date, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, constant, events, task

ACCOUNTS = (
    json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text()) if os.environ.get("LOAD_ACCOUNTS") else {}
)
PASSWORD = ACCOUNTS.get("password", "")
WAIT = tuple(float(x) for x in os.environ.get("LOAD_WAIT", "0,0").split(","))
LOGIN_MARKER = 'autocomplete="current-password"'
SEARCH_WORDS = ["华夏", "精密", "新能源", "轴承", "中科", "hx", "jm", "科技", "九州", "蓝海", "汽车零部件"]
NEXT_STEPS = [
    "确认企业来聊考察的日程",
    "补充项目用地需求材料",
    "约企业投资部负责人再次面谈",
    "整理政策清单发给企业",
]

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


def _form(html: str, marker: str) -> str:
    """The <form …>…</form> block that contains `marker` ('' if none)."""
    at = html.find(marker)
    if at < 0:
        return ""
    start = html.rfind("<form", 0, at)
    end = html.find("</form>", at)
    return html[start : end + 7] if start >= 0 and end >= 0 else ""


def _csrf(form: str) -> str | None:
    found = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', form)
    return found.group(1) if found else None


def _value(form: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', form)
    if not found:
        return None
    value = re.search(r'value="([^"]*)"', found.group(0))
    return unescape(value.group(1)) if value else ""


def _why(resp) -> str:
    """The status, or the connection error behind a status 0."""
    if not resp.status_code:
        return f"connection error: {getattr(resp, 'error', None)!r}"[:200]
    return f"status {resp.status_code}"


def _multipart(fields: list[tuple[str, str]], empty_file: str | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body as a phone's browser sends it (an empty file part where no file was chosen)."""
    boundary = "----locust" + uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    if empty_file:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{empty_file}"; filename=""\r\n'
            "Content-Type: application/octet-stream\r\n\r\n\r\n"
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


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
        token = _csrf(page or "")
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
        if not self.ensure_login():
            return
        tasks_page = self.page("/plans/tasks", "member: my tasks")
        if tasks_page is None:
            return
        # (entry, task, title) of each open task with its "log contact" button.
        lists = tasks_page[tasks_page.find('data-testid="tasks-overdue"') :]
        found = re.findall(
            r"<strong>([^<]*)</strong>.*?href=\"/plans/entries/(\d+)/log\?task=(\d+)", lists, re.S
        )
        self.think()
        if not found:
            self.page("/inbox/", "member: inbox")
            return
        title, entry_id, task_id = random.choice(found)
        if self.page(f"/whitelist/{entry_id}", "member: target detail") is None:
            return
        self.think()
        log_url = f"/plans/entries/{entry_id}/log?task={task_id}&back=/plans/tasks"
        form_page = self.page(log_url, "member: log form")
        if form_page is None:
            return
        form = _form(form_page, 'data-testid="log-form"')
        token = _csrf(form)
        on = _value(form, "occurred_on") or date.today().isoformat()
        at = _value(form, "occurred_time") or "09:00"
        checked = re.findall(
            r'<input[^>]*checked[^>]*name="participants"[^>]*value="(\d+)"', form
        ) or re.findall(r'<input[^>]*name="participants"[^>]*value="(\d+)"[^>]*checked', form)
        # The step's evidence decides the kind: a visit completes 上门拜访, an inbound visit 邀请来聊考察.
        kind = "inbound" if "来聊" in title else "visit"
        try:
            next_date = (date.fromisoformat(on) + timedelta(days=7)).isoformat()
        except ValueError:
            next_date = (date.today() + timedelta(days=7)).isoformat()
        fields = [("csrf_token", token or ""), ("occurred_on", on), ("occurred_time", at[:5]), ("kind", kind),
                  ("complete_task", task_id),
                  ("summary", f"上门拜访企业，就{title}相关事项当面沟通，企业介绍了投资计划。（压测）"),
                  ("outcome", "企业有意向，约定下周再沟通。"), ("next_step", random.choice(NEXT_STEPS)),
                  ("next_date", next_date), ("new_contact_name", ""), ("new_contact_title", "")]  # fmt: skip
        fields += [("participants", p) for p in checked]
        body, content_type = _multipart(fields, empty_file="attachment")
        self.think()
        back = self.submit(log_url, "member: log visit POST", body, content_type, 'data-testid="log-form"')
        if back:
            self.page(back, "member: my tasks")
        self.think()
        self.page("/inbox/", "member: inbox")
        self.think()


class LeadUser(Journey):
    """A team lead: the list with filters and a search, the team page, assign a new target or reassign one."""

    role = "lead"
    weight = 10

    @task
    def journey(self) -> None:
        if not self.ensure_login():
            return
        # A random page of the county's unassigned targets, so that two leads rarely pick the same one.
        query = urlencode(
            {"state": "whitelisted", "team": -1, "sort": "investment", "page": random.randint(1, 10)}
        )
        listing = self.page(f"/whitelist/?{query}", "lead: list filtered")
        if listing is None:
            return
        assignable = re.findall(r'name="entry_ids" value="(\d+)"', listing)
        self.think()
        if (
            self.page(f"/whitelist/?{urlencode({'q': random.choice(SEARCH_WORDS)})}", "lead: list search")
            is None
        ):
            return
        self.think()
        team_page = self.page(f"/teams/{self.account['team_id']}", "lead: team page")
        if team_page is None:
            return
        self.think()
        if assignable and random.random() < 0.5:
            self.assign(random.choice(assignable))
        else:
            targets = re.findall(
                r'href="/whitelist/(\d+)"', _section(team_page, 'data-testid="team-targets"')
            )
            if targets:
                self.reassign(random.sample(targets, min(3, len(targets))))
        self.think()

    def assign(self, entry_id: str) -> None:
        url = f"/whitelist/{entry_id}/assign"
        page = self.page(url, "lead: assign form")
        if page is None:
            return
        form = _form(page, 'name="team_id"')
        teams = re.findall(r'name="team_id" value="(\d+)"', form)
        if not teams:
            return
        owners = _owners(form)
        fields = {"csrf_token": _csrf(form) or "", "version": _value(form, "version") or "", "team_id": teams[0],
                  "owner_id": random.choice(owners) if owners else "0"}  # fmt: skip
        self.think()
        back = self.submit(url, "lead: assign POST", urlencode(fields), "application/x-www-form-urlencoded",
                           'name="team_id"')  # fmt: skip
        if back:
            self.page(back, "lead: target detail")

    def reassign(self, candidates: list[str]) -> None:
        for entry_id in candidates:
            detail = self.page(f"/whitelist/{entry_id}", "lead: target detail")
            if detail is None:
                return
            if f"/whitelist/{entry_id}/reassign" in detail:
                break
        else:
            return
        url = f"/whitelist/{entry_id}/reassign"
        page = self.page(url, "lead: reassign form")
        if page is None:
            return
        form = _form(page, 'name="team_id"')
        team = re.search(r'name="team_id" value="(\d+)" checked', form) or re.search(
            r'name="team_id" value="(\d+)"', form
        )
        current = re.search(r"（([^）（]*)）</p>", page)  # the header: "now with TEAM（OWNER）"
        owners = _owners(form, exclude=current.group(1).strip() if current else None)
        if not team or not owners:
            return
        fields = {"csrf_token": _csrf(form) or "", "version": _value(form, "version") or "", "team_id": team.group(1),
                  "owner_id": random.choice(owners), "reason": "按分工调整主要负责人（压测）", "move_tasks": "y"}  # fmt: skip
        self.think()
        back = self.submit(url, "lead: reassign POST", urlencode(fields), "application/x-www-form-urlencoded",
                           'name="team_id"')  # fmt: skip
        if back:
            self.page(back, "lead: target detail")


def _section(html: str, marker: str) -> str:
    at = html.find(marker)
    return html[at : html.find("</ul>", at)] if at >= 0 else ""


def _owners(form: str, exclude: str | None = None) -> list[str]:
    """Person ids offered as the primary owner, less "the team leader" (0) and the person named `exclude` (the
    current owner): the form offers only the teams the user may pick, so any of them will do."""
    select = re.search(r'<select[^>]*name="owner_id"[^>]*>(.*?)</select>', form, re.S)
    if not select:
        return []
    options = re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]*)</option>', select.group(1))
    return [value for value, label in options if value != "0" and label.strip() != exclude]


class ManagerUser(Journey):
    """A manager: the dashboard, a drill-down list behind one of its numbers, the weekly rankings, the export."""

    role = "manager"
    weight = 5

    @task
    def journey(self) -> None:
        if not self.ensure_login():
            return
        dashboard = self.page("/dashboard/", "manager: dashboard")
        if dashboard is None:
            return
        drills = [unescape(u) for u in re.findall(r'href="(/whitelist/\?[^"]+)"', dashboard)]
        self.think()
        if drills:
            self.page(random.choice(drills), "manager: drill-down list")
            self.think()
        self.page("/dashboard/rankings", "manager: weekly rankings")
        self.think()
        self.download("/dashboard/export.xlsx", "manager: dashboard export.xlsx", "spreadsheetml")
        self.think()


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
