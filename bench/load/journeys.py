"""The load test's three journeys, as steps on any HTTP client: attack-team members on a phone, team leads,
managers. The locustfile runs them under locust (bench/load/locustfile.py); bench/profile_mix.py runs the same
steps in one process through Flask's test client, to see where the mix's CPU goes. Nothing here imports locust,
gevent or the app.

A journey is given a `user` with:
    user.page(url, name) -> str | None              GET; None when it failed
    user.submit(url, name, body, content_type, refusal_marker) -> str | None
                                                    POST; the redirect's path and query, or None
    user.download(url, name, content_type) -> None
    user.think() -> None                            the pause between two steps
    user.account                                    {"username", "team_id" for a lead}
"""

import random
import re
import uuid
from datetime import date, timedelta
from html import unescape
from typing import Protocol
from urllib.parse import urlencode

SEARCH_WORDS = ["华夏", "精密", "新能源", "轴承", "中科", "hx", "jm", "科技", "九州", "蓝海", "汽车零部件"]
NEXT_STEPS = [
    "确认企业来聊考察的日程",
    "补充项目用地需求材料",
    "约企业投资部负责人再次面谈",
    "整理政策清单发给企业",
]
LOG_FORM_MARKER = 'data-testid="log-form"'
TEAM_FORM_MARKER = 'name="team_id"'
FORM_URLENCODED = "application/x-www-form-urlencoded"


class User(Protocol):
    account: dict

    def page(self, url: str, name: str) -> str | None: ...

    def submit(
        self, url: str, name: str, body: bytes | str, content_type: str, refusal_marker: str
    ) -> str | None: ...

    def download(self, url: str, name: str, content_type: str) -> None: ...

    def think(self) -> None: ...


# -- reading the app's HTML ---------------------------------------------------------------------------------------


def form(html: str, marker: str) -> str:
    """The <form …>…</form> block that contains `marker` ('' if none)."""
    at = html.find(marker)
    if at < 0:
        return ""
    start = html.rfind("<form", 0, at)
    end = html.find("</form>", at)
    return html[start : end + 7] if start >= 0 and end >= 0 else ""


def csrf(form_html: str) -> str | None:
    found = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', form_html)
    return found.group(1) if found else None


def value(form_html: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', form_html)
    if not found:
        return None
    got = re.search(r'value="([^"]*)"', found.group(0))
    return unescape(got.group(1)) if got else ""


def section(html: str, marker: str) -> str:
    at = html.find(marker)
    return html[at : html.find("</ul>", at)] if at >= 0 else ""


def owners(form_html: str, exclude: str | None = None) -> list[str]:
    """Person ids offered as the primary owner, less "the team leader" (0) and the person named `exclude` (the
    current owner): the form offers only the teams the user may pick, so any of them will do."""
    select = re.search(r'<select[^>]*name="owner_id"[^>]*>(.*?)</select>', form_html, re.S)
    if not select:
        return []
    options = re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]*)</option>', select.group(1))
    return [v for v, label in options if v != "0" and label.strip() != exclude]


def multipart(fields: list[tuple[str, str]], empty_file: str | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body as a phone's browser sends it (an empty file part where no file was chosen)."""
    boundary = "----locust" + uuid.uuid4().hex
    parts = []
    for name, field_value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{field_value}\r\n'
        )
    if empty_file:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{empty_file}"; filename=""\r\n'
            "Content-Type: application/octet-stream\r\n\r\n\r\n"
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


# -- the journeys ------------------------------------------------------------------------------------------------


def member(user: User) -> None:
    """My tasks, a target, log a visit from the task, the inbox."""
    tasks_page = user.page("/plans/tasks", "member: my tasks")
    if tasks_page is None:
        return
    # (entry, task, title) of each open task with its "log contact" button.
    lists = tasks_page[tasks_page.find('data-testid="tasks-overdue"') :]
    found = re.findall(r"<strong>([^<]*)</strong>.*?href=\"/plans/entries/(\d+)/log\?task=(\d+)", lists, re.S)
    user.think()
    if not found:
        user.page("/inbox/", "member: inbox")
        return
    title, entry_id, task_id = random.choice(found)
    if user.page(f"/whitelist/{entry_id}", "member: target detail") is None:
        return
    user.think()
    log_url = f"/plans/entries/{entry_id}/log?task={task_id}&back=/plans/tasks"
    form_page = user.page(log_url, "member: log form")
    if form_page is None:
        return
    log_form = form(form_page, LOG_FORM_MARKER)
    on = value(log_form, "occurred_on") or date.today().isoformat()
    at = value(log_form, "occurred_time") or "09:00"
    checked = re.findall(
        r'<input[^>]*checked[^>]*name="participants"[^>]*value="(\d+)"', log_form
    ) or re.findall(r'<input[^>]*name="participants"[^>]*value="(\d+)"[^>]*checked', log_form)
    # The step's evidence decides the kind: a visit completes 上门拜访, an inbound visit 邀请来聊考察.
    kind = "inbound" if "来聊" in title else "visit"
    try:
        next_date = (date.fromisoformat(on) + timedelta(days=7)).isoformat()
    except ValueError:
        next_date = (date.today() + timedelta(days=7)).isoformat()
    fields = [("csrf_token", csrf(log_form) or ""), ("occurred_on", on), ("occurred_time", at[:5]), ("kind", kind),
              ("complete_task", task_id),
              ("summary", f"上门拜访企业，就{title}相关事项当面沟通，企业介绍了投资计划。（压测）"),
              ("outcome", "企业有意向，约定下周再沟通。"), ("next_step", random.choice(NEXT_STEPS)),
              ("next_date", next_date), ("new_contact_name", ""), ("new_contact_title", "")]  # fmt: skip
    fields += [("participants", p) for p in checked]
    body, content_type = multipart(fields, empty_file="attachment")
    user.think()
    back = user.submit(log_url, "member: log visit POST", body, content_type, LOG_FORM_MARKER)
    if back:
        user.page(back, "member: my tasks")
    user.think()
    user.page("/inbox/", "member: inbox")
    user.think()


def lead(user: User) -> None:
    """The list with filters and a search, the team page, assign a new target or reassign one."""
    # A random page of the county's unassigned targets, so that two leads rarely pick the same one.
    query = urlencode(
        {"state": "whitelisted", "team": -1, "sort": "investment", "page": random.randint(1, 10)}
    )
    listing = user.page(f"/whitelist/?{query}", "lead: list filtered")
    if listing is None:
        return
    assignable = re.findall(r'name="entry_ids" value="(\d+)"', listing)
    user.think()
    if user.page(f"/whitelist/?{urlencode({'q': random.choice(SEARCH_WORDS)})}", "lead: list search") is None:
        return
    user.think()
    team_page = user.page(f"/teams/{user.account['team_id']}", "lead: team page")
    if team_page is None:
        return
    user.think()
    if assignable and random.random() < 0.5:
        _assign(user, random.choice(assignable))
    else:
        targets = re.findall(r'href="/whitelist/(\d+)"', section(team_page, 'data-testid="team-targets"'))
        if targets:
            _reassign(user, random.sample(targets, min(3, len(targets))))
    user.think()


def _assign(user: User, entry_id: str) -> None:
    url = f"/whitelist/{entry_id}/assign"
    page = user.page(url, "lead: assign form")
    if page is None:
        return
    team_form = form(page, TEAM_FORM_MARKER)
    teams = re.findall(r'name="team_id" value="(\d+)"', team_form)
    if not teams:
        return
    offered = owners(team_form)
    fields = {"csrf_token": csrf(team_form) or "", "version": value(team_form, "version") or "",
              "team_id": teams[0], "owner_id": random.choice(offered) if offered else "0"}  # fmt: skip
    user.think()
    back = user.submit(url, "lead: assign POST", urlencode(fields), FORM_URLENCODED, TEAM_FORM_MARKER)
    if back:
        user.page(back, "lead: target detail")


def _reassign(user: User, candidates: list[str]) -> None:
    for entry_id in candidates:
        detail = user.page(f"/whitelist/{entry_id}", "lead: target detail")
        if detail is None:
            return
        if f"/whitelist/{entry_id}/reassign" in detail:
            break
    else:
        return
    url = f"/whitelist/{entry_id}/reassign"
    page = user.page(url, "lead: reassign form")
    if page is None:
        return
    team_form = form(page, TEAM_FORM_MARKER)
    team = re.search(r'name="team_id" value="(\d+)" checked', team_form) or re.search(
        r'name="team_id" value="(\d+)"', team_form
    )
    current = re.search(r"（([^）（]*)）</p>", page)  # the header: "now with TEAM（OWNER）"
    offered = owners(team_form, exclude=current.group(1).strip() if current else None)
    if not team or not offered:
        return
    fields = {"csrf_token": csrf(team_form) or "", "version": value(team_form, "version") or "",
              "team_id": team.group(1), "owner_id": random.choice(offered),
              "reason": "按分工调整主要负责人（压测）", "move_tasks": "y"}  # fmt: skip
    user.think()
    back = user.submit(url, "lead: reassign POST", urlencode(fields), FORM_URLENCODED, TEAM_FORM_MARKER)
    if back:
        user.page(back, "lead: target detail")


def manager(user: User) -> None:
    """The dashboard, a drill-down list behind one of its numbers, the weekly rankings, the export."""
    dashboard = user.page("/dashboard/", "manager: dashboard")
    if dashboard is None:
        return
    drills = [unescape(u) for u in re.findall(r'href="(/whitelist/\?[^"]+)"', dashboard)]
    user.think()
    if drills:
        user.page(random.choice(drills), "manager: drill-down list")
        user.think()
    user.page("/dashboard/rankings", "manager: weekly rankings")
    user.think()
    user.download("/dashboard/export.xlsx", "manager: dashboard export.xlsx", "spreadsheetml")
    user.think()
