"""The permission matrix: every route × every role, for records in the user's scope and outside it.

A new route fails test_every_route_is_in_the_matrix until it is added here with its expected answers.
"""

from datetime import date

import pytest
from flask import current_app

from crm.extensions import db
from crm.imports.models import ImportBatch
from crm.instructions import services as instructions
from crm.plans import logs
from crm.plans.models import Holiday, HolidayYear, Task
from crm.refdata.models import Alias
from crm.reminders.models import Escalation, Notification
from crm.teams import assignment
from crm.teams.models import Team, TeamMember
from crm.vocab import Role
from crm.whitelist import services as wf
from tests.api.matrix import ANONYMOUS_401, SESSION_MATRIX
from tests.conftest import PASSWORD, region

ROLES = ["anonymous", Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER, Role.ADMIN]
M, L, H, G, A = Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER, Role.ADMIN


def answers(member, lead, head, manager, admin) -> dict:
    return {M: member, L: lead, H: head, G: manager, A: admin}


CAMPAIGN = answers(200, 200, 200, 200, 403)
ADMIN_ONLY = answers(403, 403, 403, 403, 200)
EVERYONE = answers(200, 200, 200, 200, 200)
REVIEWERS = answers(403, 403, 200, 200, 403)
IMPORTERS = answers(403, 200, 200, 200, 403)
FILERS = answers(403, 200, 200, 200, 403)  # who file and verify the monthly funds returns
OUT_OF_SCOPE = answers(404, 404, 404, 200, 403)
CHAIN_EDITORS = answers(403, 403, 403, 200, 200)  # industry chains are the city's reference map
CHAIN_EDITORS_POST = answers(403, 403, 403, 302, 302)  # another county's records: hidden from county staff

# endpoint → (method, url template, form data, {scope: {role: status}}).
# Placeholders: {proposal} a proposal awaiting county review; {whitelisted} an unassigned whitelisted entry;
# {assigned} an entry worked by the team; {enterprise} the assigned entry's enterprise; {team}; {member} the
# team's member; {conflict} a conflicted proposal; {item} an inbox message of the member; {region}.
MATRIX = {
    "main.index": ("GET", "/", None, {"in": answers(200, 200, 200, 200, 302)}),
    "auth.login": ("GET", "/auth/login", None, {"in": answers(302, 302, 302, 302, 302)}),
    # no scheduler has run in the test database, so the health check says so to everyone
    "main.healthz": ("GET", "/healthz", None, {"in": answers(503, 503, 503, 503, 503)}),
    "auth.logout": ("POST", "/auth/logout", {}, {"in": answers(302, 302, 302, 302, 302)}),
    "auth.password": ("GET", "/auth/password", None, {"in": EVERYONE}),
    "auth.lockouts": ("GET", "/auth/lockouts", None, {"in": answers(403, 403, 403, 200, 200)}),
    "auth.clear_lockout": (
        "POST", "/auth/lockouts/clear", {"username": "someone-else"}, {"in": answers(403, 403, 403, 302, 302)}
    ),
    "whitelist.index": ("GET", "/whitelist/", None, {"in": CAMPAIGN}),
    "whitelist.propose": ("GET", "/whitelist/propose", None, {"in": CAMPAIGN}),
    "whitelist.review": ("GET", "/whitelist/review", None, {"in": answers(403, 403, 200, 200, 403)}),
    "whitelist.detail": ("GET", "/whitelist/{assigned}", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "whitelist.edit": (
        "GET", "/whitelist/{assigned}/edit", None, {"in": answers(403, 200, 200, 200, 403), "out": OUT_OF_SCOPE}
    ),
    "whitelist.transition": (
        "POST", "/whitelist/{proposal}/approve", {"reason": "同意", "version": "{pversion}"},
        # the manager waits for the county head under the default county-then-city chain
        {"in": answers(404, 403, 302, 403, 403), "out": answers(404, 404, 404, 403, 403)},
    ),
    "whitelist.assign": (
        "GET", "/whitelist/{whitelisted}/assign", None,
        {"in": answers(403, 200, 200, 200, 403), "out": answers(403, 404, 404, 200, 403)},
    ),
    "whitelist.reassign": (
        "GET", "/whitelist/{assigned}/reassign", None,
        {"in": answers(403, 200, 200, 200, 403), "out": answers(403, 404, 404, 200, 403)},
    ),
    "whitelist.bulk_assign": (
        "POST", "/whitelist/bulk-assign", {"entry_ids": "{whitelisted}", "team_id": "{team}"},
        {"in": answers(403, 302, 302, 302, 403)},
    ),
    "whitelist.board_page": ("GET", "/whitelist/board?by=light", None, {"in": CAMPAIGN}),
    "whitelist.board_move": (
        "POST", "/whitelist/board/move", {"entry_id": "{assigned}", "target": "contacting", "version": "{aversion}"},
        # allowed, and refused by the stage rule (the entry is in 对接中 already): 422, not 403/404
        {"in": answers(422, 422, 422, 422, 403), "out": answers(404, 404, 404, 422, 403)},
    ),
    "whitelist.conflict_queue": ("GET", "/whitelist/conflicts", None, {"in": answers(403, 403, 403, 200, 403)}),
    "whitelist.resolve_conflict": (
        "POST", "/whitelist/{conflict}/resolve", {"winner_region_id": "{region}", "reason": "首报首谈"},
        {"in": answers(403, 403, 403, 302, 403)},
    ),
    "enterprises.index": ("GET", "/enterprises/", None, {"in": CAMPAIGN}),
    "enterprises.detail": ("GET", "/enterprises/{enterprise}", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "enterprises.edit": (
        "GET", "/enterprises/{enterprise}/edit", None, {"in": answers(403, 200, 200, 200, 403), "out": OUT_OF_SCOPE}
    ),
    "enterprises.add_contact": (
        "POST", "/enterprises/{enterprise}/contacts", {"name": "新联系人"},
        {"in": answers(302, 302, 302, 302, 403), "out": answers(404, 404, 404, 302, 403)},
    ),
    "enterprises.merge": (
        "GET", "/enterprises/{enterprise}/merge", None,
        {"in": answers(403, 403, 403, 200, 403), "out": answers(403, 403, 403, 200, 403)},
    ),
    "teams.index": ("GET", "/teams/", None, {"in": EVERYONE}),
    "teams.detail": ("GET", "/teams/{team}", None, {"in": EVERYONE, "out": answers(404, 404, 404, 200, 200)}),
    "teams.edit": ("GET", "/teams/{team}/edit", None, {"in": answers(403, 403, 403, 200, 200)}),
    "teams.add_member": (
        "POST", "/teams/{team}/members", {"user_id": "{newcomer}"},
        {"in": answers(403, 302, 403, 302, 302), "out": answers(404, 404, 404, 302, 302)},
    ),
    "teams.remove_member": (
        "POST", "/teams/{team}/members/{member}/remove", {},
        {"in": answers(403, 302, 403, 302, 302), "out": answers(404, 404, 404, 302, 302)},
    ),
    "inbox.index": ("GET", "/inbox/", None, {"in": EVERYONE}),
    "inbox.read": ("POST", "/inbox/{item}/read", {}, {"in": answers(302, 404, 404, 404, 404)}),
    "inbox.read_all": ("POST", "/inbox/read-all", {}, {"in": answers(302, 302, 302, 302, 302)}),
    "plans.my_tasks": ("GET", "/plans/tasks", None, {"in": CAMPAIGN}),
    "plans.my_tasks_ics": ("GET", "/plans/tasks.ics", None, {"in": CAMPAIGN}),
    "plans.team_board": ("GET", "/plans/teams/{team}/board", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "plans.log_contact": ("GET", "/plans/entries/{assigned}/log", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "plans.advance_stage": (
        "POST", "/plans/entries/{assigned}/stage", {"target": "contacting", "version": "{aversion}"},
        {"in": answers(302, 302, 302, 302, 403), "out": answers(404, 404, 404, 302, 403)},
    ),
    "plans.add_funds": (
        "POST", "/plans/entries/{assigned}/funds", {"arrived_on": "2026-03-01", "fixed_amount": "100"},
        {"in": answers(302, 302, 302, 302, 403), "out": answers(404, 404, 404, 302, 403)},
    ),
    "plans.plan_ics": ("GET", "/plans/entries/{assigned}/plan.ics", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "plans.add_step": (
        "POST", "/plans/entries/{assigned}/steps", {"title": "补充节点", "due_date": "2026-04-01", "evidence": "any",
                                                     "owner_id": "{member}"},
        {"in": answers(403, 302, 302, 302, 403), "out": answers(404, 404, 404, 302, 403)},
    ),
    "plans.edit_task": (
        "GET", "/plans/tasks/{task}/edit", None,
        {"in": answers(403, 200, 200, 200, 403), "out": answers(404, 404, 404, 200, 403)},
    ),
    "plans.attachment": (
        "GET", "/plans/logs/{log}/attachment", None,
        {"in": answers(200, 200, 200, 200, 404), "out": answers(404, 404, 404, 200, 404)},
    ),
    "plans.holidays": ("GET", "/plans/holidays", None, {"in": ADMIN_ONLY}),
    "plans.delete_holiday": ("POST", "/plans/holidays/2027-01-01/delete", {}, {"in": answers(403, 403, 403, 403, 302)}),
    "plans.template": ("GET", "/plans/template", None, {"in": ADMIN_ONLY}),
    "plans.confirm_year": ("POST", "/plans/holidays/years", {"year": "2027"}, {"in": answers(403, 403, 403, 403, 302)}),
    "plans.withdraw_year": ("POST", "/plans/holidays/years/2027/withdraw", {}, {"in": answers(403, 403, 403, 403, 302)}),
    "plans.replan_steps": ("POST", "/plans/holidays/replan", {}, {"in": answers(403, 403, 403, 403, 302)}),
    "reminders.escalations": ("GET", "/reminders/escalations", None, {"in": CAMPAIGN}),
    "reminders.acknowledge": (
        "POST", "/reminders/escalations/{escalation}/ack", {"note": "马上跟进"}, {"in": answers(302, 404, 404, 404, 403)}
    ),
    "reminders.preferences": ("GET", "/reminders/preferences", None, {"in": EVERYONE}),
    "reminders.mute": (
        "POST", "/reminders/mute/{assigned}", {"muted": "1"},
        {"in": answers(302, 302, 302, 302, 403), "out": answers(404, 404, 404, 302, 403)},
    ),
    "reminders.outbox_page": ("GET", "/reminders/outbox", None, {"in": ADMIN_ONLY}),
    "reminders.retry": ("POST", "/reminders/outbox/{failed}/retry", {}, {"in": answers(403, 403, 403, 403, 302)}),
    # 领导批示: {instruction} is the county head's 批办 on {assigned}, waiting for the team to acknowledge it.
    "instructions.mine": ("GET", "/instructions/", None, {"in": CAMPAIGN}),
    "instructions.new": (
        "GET", "/instructions/entries/{assigned}/new", None,
        {"in": answers(403, 403, 200, 200, 403), "out": answers(403, 403, 404, 200, 403)},
    ),
    "instructions.detail": ("GET", "/instructions/{instruction}", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "instructions.act": (
        "POST", "/instructions/{instruction}/acknowledge", {"version": "{iversion}"},
        # the team acknowledges; the leaders (who wrote it, or another) may not
        {"in": answers(302, 302, 403, 403, 403), "out": answers(404, 404, 404, 403, 403)},
    ),
    "admin.index": ("GET", "/admin/", None, {"in": ADMIN_ONLY}),
    "admin.listing": ("GET", "/admin/users/", None, {"in": ADMIN_ONLY}),
    "admin.edit": ("GET", "/admin/regions/{region}", None, {"in": ADMIN_ONLY}),
    "admin.settings": ("GET", "/admin/settings", None, {"in": ADMIN_ONLY}),
    # another user's sessions and API tokens (someone who leaves, a lost phone)
    "admin.sign_out_everywhere": (
        "POST", "/admin/users/{member}/sign-out", {}, {"in": answers(403, 403, 403, 403, 302)}
    ),
    "admin.revoke_user_tokens": (
        "POST", "/admin/users/{member}/revoke-tokens", {}, {"in": answers(403, 403, 403, 403, 302)}
    ),
    "admin.aliases": ("GET", "/admin/aliases/", None, {"in": answers(403, 403, 403, 200, 200)}),
    "admin.add_alias": (
        "POST", "/admin/aliases/add", {"kind": "region", "alias": "东昌府老城", "target_id": "{region}"},
        {"in": answers(403, 403, 403, 403, 302)},
    ),
    "admin.delete_alias": ("POST", "/admin/aliases/{alias}/delete", {}, {"in": answers(403, 403, 403, 403, 302)}),
    "chains.index": ("GET", "/chains/", None, {"in": EVERYONE}),
    "chains.detail": ("GET", "/chains/{chain}", None, {"in": EVERYONE}),
    "chains.node": ("GET", "/chains/nodes/{node}", None, {"in": EVERYONE}),
    "chains.edit": ("GET", "/chains/{chain}/edit", None, {"in": CHAIN_EDITORS}),
    "chains.add_link": ("POST", "/chains/{chain}/links", {"link-name": "配套服务"}, {"in": CHAIN_EDITORS_POST}),
    "chains.rename_link": ("POST", "/chains/links/{link}/rename", {"name": "上游环节"}, {"in": CHAIN_EDITORS_POST}),
    "chains.remove_link": ("POST", "/chains/links/{emptylink}/remove", {}, {"in": CHAIN_EDITORS_POST}),
    "chains.edit_node": ("GET", "/chains/{chain}/nodes/{node}/edit", None, {"in": CHAIN_EDITORS}),
    "chains.remove_node": ("POST", "/chains/nodes/{emptynode}/remove", {}, {"in": CHAIN_EDITORS_POST}),
    "chains.add_firm": (
        "POST", "/chains/nodes/{node}/firms", {"name": "聊城（示例）铝箔有限公司", "region_id": "{region}", "role": "supplier"},
        {"in": CHAIN_EDITORS_POST},
    ),
    "chains.remove_firm": ("POST", "/chains/firms/{firm}/remove", {}, {"in": CHAIN_EDITORS_POST}),
    "dashboard.index": ("GET", "/dashboard/", None, {"in": REVIEWERS}),
    "dashboard.printable": ("GET", "/dashboard/print", None, {"in": REVIEWERS}),
    "dashboard.export": ("GET", "/dashboard/export.xlsx", None, {"in": REVIEWERS}),
    "dashboard.ranking": ("GET", "/dashboard/rankings?week=2026-03-02", None, {"in": REVIEWERS}),
    "dashboard.goal_page": ("GET", "/dashboard/goals", None, {"in": answers(403, 403, 403, 200, 200)}),
    "reports.index": ("GET", "/reports/", None, {"in": REVIEWERS}),
    "reports.screens": ("GET", "/reports/screens", None, {"in": answers(403, 403, 403, 200, 403)}),
    "reports.revoke_screen": (
        "POST", "/reports/screens/{screen}/revoke", {}, {"in": answers(403, 403, 403, 302, 403)}
    ),
    # The big screen answers by its address alone (no login): an address never given out is refused to everyone.
    "screen.show": ("GET", "/screen/no-such-address", None, {"in": answers(403, 403, 403, 403, 403)}),
    "screen.data": ("GET", "/screen/no-such-address/data.json", None, {"in": answers(403, 403, 403, 403, 403)}),
    "reports.download": (
        "GET", "/reports/{edition}.docx", None, {"in": REVIEWERS, "out": answers(403, 403, 404, 200, 403)}
    ),
    # The stand-in file is no Word document: its PDF conversion fails and the archive says so (a redirect).
    "reports.download_pdf": (
        "GET", "/reports/{edition}.pdf", None,
        {"in": answers(403, 403, 302, 302, 403), "out": answers(403, 403, 404, 302, 403)},
    ),
    "reports.rebuild": (
        "POST", "/reports/{edition}/rebuild", {}, {"in": answers(403, 403, 403, 302, 403), "out": answers(403, 403, 403, 302, 403)}
    ),
    "whitelist.export": ("GET", "/whitelist/export.xlsx", None, {"in": CAMPAIGN}),
    "imports.template": ("GET", "/imports/template.xlsx", None, {"in": IMPORTERS}),
    "imports.upload": ("GET", "/imports/", None, {"in": IMPORTERS}),
    "imports.preview": ("GET", "/imports/preview/{upload}", None, {"in": answers(403, 404, 404, 404, 403)}),
    "imports.batches": ("GET", "/imports/batches", None, {"in": IMPORTERS}),
    "imports.batch": (
        "GET", "/imports/batches/{batch}", None, {"in": answers(403, 404, 404, 200, 403)}
    ),
    "imports.revert": (
        "POST", "/imports/batches/{batch}/revert", {}, {"in": answers(403, 404, 404, 302, 403)}
    ),
    "projects.index": ("GET", "/projects/", None, {"in": CAMPAIGN}),
    "projects.export": ("GET", "/projects/export.xlsx", None, {"in": CAMPAIGN}),
    "projects.detail": ("GET", "/projects/{project}", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "projects.new": ("GET", "/projects/new/{signed}", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "projects.edit": ("GET", "/projects/{project}/edit", None, {"in": CAMPAIGN, "out": OUT_OF_SCOPE}),
    "projects.advance": (
        "POST", "/projects/{project}/stage", {"target": "landed", "on": "2026-03-02", "uscc": "bad",
                                               "version": "{prversion}"},
        {"in": answers(302, 302, 302, 302, 403), "out": answers(404, 404, 404, 302, 403)},
    ),
    "projects.terminate": (
        "POST", "/projects/{project}/terminate", {"reason": "", "version": "{prversion}"},
        {"in": answers(302, 302, 302, 302, 403), "out": answers(404, 404, 404, 302, 403)},
    ),
    "projects.schedule": (
        "POST", "/projects/{project}/schedule", {"schedule": "2026-04 100", "version": "0"},
        {"in": answers(302, 302, 302, 302, 403), "out": answers(404, 404, 404, 302, 403)},
    ),
    "projects.add_arrival": (
        "POST", "/projects/{project}/arrivals", {"month": "2099-01", "fixed": "100"},
        # a month in the future: the page comes back with what was typed and why (422)
        {"in": answers(422, 422, 422, 422, 403), "out": answers(404, 404, 404, 422, 403)},
    ),
    "projects.returns_index": ("GET", "/projects/returns", None, {"in": FILERS}),
    "projects.return_detail": (
        "GET", "/projects/returns/{region}/2026-03", None, {"in": FILERS, "out": answers(403, 404, 404, 200, 403)}
    ),
    "projects.add_line": (
        "POST", "/projects/returns/{region}/2026-03/lines", {"project_id": "{project}", "fixed": "0"},
        # no amount: the return comes back with what was typed and why (422)
        {"in": answers(403, 422, 422, 422, 403), "out": answers(403, 404, 404, 422, 403)},
    ),
    "projects.remove_line": (
        "POST", "/projects/returns/lines/{line}/delete", {},
        {"in": answers(403, 302, 302, 302, 403), "out": answers(403, 404, 404, 302, 403)},
    ),
    "projects.attachment": (
        "GET", "/projects/arrivals/{line}/attachment", None,
        {"in": answers(200, 200, 200, 200, 403), "out": answers(404, 404, 404, 200, 403)},
    ),
    "projects.submit": (
        "POST", "/projects/returns/filed/{return}/submit", {"version": "0"},
        {"in": answers(403, 302, 302, 302, 403), "out": answers(403, 404, 404, 302, 403)},
    ),
    "projects.verify": (
        "POST", "/projects/returns/filed/{return}/verify", {"version": "0"},
        {"in": answers(403, 403, 403, 302, 403), "out": answers(403, 403, 403, 302, 403)},
    ),
    "projects.send_back": (
        "POST", "/projects/returns/filed/{return}/send-back", {"reason": "", "version": "0"},
        {"in": answers(403, 403, 403, 302, 403), "out": answers(403, 403, 403, 302, 403)},
    ),
    "projects.adjust": (
        "POST", "/projects/returns/{region}/2026-03/adjust", {"reason": ""},
        {"in": answers(403, 302, 302, 302, 403), "out": answers(403, 404, 404, 302, 403)},
    ),
    # {view}: in, a manager's unlocked city-wide view (every campaign role may change it); out, a private view
    # of the other county's member (nobody else sees it).
    "saved_views.index": ("GET", "/views/", None, {"in": CAMPAIGN}),
    "saved_views.create": ("POST", "/views/", {"name": "本县红灯", "query": "light=red"}, {"in": answers(302, 302, 302, 302, 403)}),
    "saved_views.save_into": (
        "POST", "/views/{view}/save", {"query": "light=yellow", "version": "1"},
        {"in": answers(302, 302, 302, 302, 403), "out": answers(404, 404, 404, 404, 403)},
    ),
    "saved_views.edit": (
        "POST", "/views/{view}/edit", {"name": "改个名字", "version": "1"},
        {"in": answers(302, 302, 302, 302, 403), "out": answers(404, 404, 404, 404, 403)},
    ),
    "saved_views.delete": (
        "POST", "/views/{view}/delete", {}, {"in": answers(302, 302, 302, 302, 403), "out": answers(404, 404, 404, 404, 403)}
    ),
    "saved_views.copy": (
        "POST", "/views/{view}/copy", {}, {"in": answers(302, 302, 302, 302, 403), "out": answers(404, 404, 404, 404, 403)}
    ),
    "saved_views.pin": (
        "POST", "/views/{view}/pin", {"pinned": "1"},
        {"in": answers(302, 302, 302, 302, 403), "out": answers(404, 404, 404, 404, 403)},
    ),
    "palette.search": ("GET", "/palette/search?q=企业", None, {"in": EVERYONE}),
    **SESSION_MATRIX,  # the JSON API refuses cookies (401); its docs and the tokens page (tests/api/matrix.py)
}  # fmt: skip

PUBLIC = {"main.healthz": 503, "screen.show": 403, "screen.data": 403}  # answered without a login

CASES = [
    (endpoint, scope, role)
    for endpoint, (_m, _u, _d, expected) in MATRIX.items()
    for scope in expected
    for role in ROLES
]


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == set(MATRIX)


def upload_dir():
    from pathlib import Path

    return Path(current_app.config["UPLOAD_FOLDER"])


def build_county(code: str, make_user, make_entry, now, users=None) -> dict:
    """A county with its staff, a team (lead + member), and entries in the states the routes need."""
    users = users or {role: make_user(role, code) for role in (M, L, H)}
    manager = make_user(G)
    proposer = make_user(L, code)
    newcomer = make_user(M, code)
    team = Team(name=f"{code} 攻坚队", region_id=region(code).id, leader_id=users[L].id)
    team.memberships = [TeamMember(user_id=users[M].id)]
    db.session.add(team)
    db.session.commit()
    proposal = make_entry(proposer, name=f"{code} 待审企业有限公司")
    whitelisted = make_entry(proposer, name=f"{code} 待分配企业有限公司")
    assigned = make_entry(proposer, name=f"{code} 攻坚企业有限公司")
    for entry in (whitelisted, assigned):
        wf.approve(users[H], entry, now)
        wf.approve(manager, entry, now)
    assignment.assign(manager, assigned, team, users[M], now)  # the member gets an inbox message
    pdf = logs.Upload("纪要.pdf", b"%PDF-1.4 minutes")
    log = logs.record_log(
        users[M], assigned, logs.LogData(now, "visit", "拜访", attachment=pdf), now, upload_dir()
    )
    task = db.session.scalar(
        db.select(Task).where(Task.entry_id == assigned.id, Task.status == "open").limit(1)
    )
    signed, project, line = signed_target(code, proposer, users, manager, team, now)
    edition = county_report(code, now)
    view = saved_view(code, users, manager, now)
    instruction = instructions.issue(users[H], assigned, instructions.InstructionData("action", "请尽快上门拜访", date(2026, 3, 6)), now)  # fmt: skip
    return {
        "instruction": instruction, "view": view, "log": log, "task": task, "signed": signed, "project": project, "line": line,
        "users": users, "team": team, "proposal": proposal, "whitelisted": whitelisted, "assigned": assigned,
        "newcomer": newcomer, "edition": edition,
    }  # fmt: skip


def saved_view(code: str, users: dict, manager, now):
    """东昌府区 ('in'): the manager's unlocked city-wide view; 茌平区 ('out'): its member's private view."""
    from crm.saved_views import services as views

    if code == "371502":
        return views.create_view(manager, "全市红灯", "light=red", now, views.Sharing("city"))
    return views.create_view(users[M], "我的视图", "light=red", now)


def county_report(code: str, now):
    """The county's weekly report of the week before `now` in the archive (its file a stand-in)."""
    from crm.reports.models import ReportEdition

    county = region(code).id
    edition = ReportEdition(kind="weekly", scope=f"county:{county}", region_id=county, period_start=date(2026, 3, 2),
                            period_end=date(2026, 3, 8), published_on=date(2026, 3, 9), docx=b"PK\x03\x04 docx",
                            size=10, built_at=now)  # fmt: skip
    db.session.add(edition)
    db.session.commit()
    return edition


def signed_target(code: str, proposer, users: dict, manager, team, now) -> tuple:
    """A signed target of the county's team with its project, and a line of the county's March return (with an
    attachment) for it."""
    from crm.enterprises.services import EnterpriseData, create_enterprise
    from crm.projects import returns
    from crm.projects.services import projects_of
    from crm.projects.stages import StageEvidence, advance
    from crm.vocab import State

    enterprise = create_enterprise(EnterpriseData(name=f"{code} 已签约企业有限公司"), proposer, now)
    entry = wf.propose(proposer, enterprise, wf.EntryData(region_id=region(code).id), now)
    wf.approve(users[H], entry, now)
    wf.approve(manager, entry, now)
    assignment.assign(manager, entry, team, users[M], now)
    logs.record_log(users[M], entry, logs.LogData(now, "visit", "拜访"), now, upload_dir())
    today = now.date()
    advance(users[M], entry, State.NEGOTIATING, StageEvidence(), now, today)  # the visit made it 对接中
    advance(users[M], entry, State.SIGNED, StageEvidence(on=today, amount=20000), now, today)
    project = projects_of(entry.id)[0]
    pdf = logs.Upload("回单.pdf", b"%PDF-1.4 slip")
    line = returns.add_arrival(users[L], project, returns.ArrivalData(month=today, fixed=500, attachment=pdf), now,
                               today, upload_dir())  # fmt: skip
    return entry, project, line


@pytest.fixture
def world(make_user, make_entry, now):
    """Users of every role in 东昌府区 with their county's records ('in'), and 茌平区's records ('out')."""
    inside = build_county("371502", make_user, make_entry, now)
    outside = build_county("371503", make_user, make_entry, now)
    inside["users"].update({G: make_user(G), A: make_user(A)})
    # 茌平区 proposes an enterprise 东昌府区 already holds: a conflict for the city.
    conflict = make_entry(outside["users"][L], enterprise=inside["assigned"].enterprise)
    from crm.inbox.models import InboxItem

    item = db.session.scalar(db.select(InboxItem.id).where(InboxItem.user_id == inside["users"][M].id))
    db.session.add(Holiday(day=date(2027, 1, 1), name="元旦"))
    db.session.add(
        HolidayYear(year=2027, confirmed_by_id=inside["users"][A].id, confirmed_at=now)
    )  # to withdraw
    escalation = Escalation(task_id=inside["task"].id, entry_id=inside["assigned"].id, level="lead", severity="blue",
                            recipient_id=inside["users"][M].id, overdue_days=3, created_at=now)  # fmt: skip
    failed = Notification(dedupe_key="x:failed", channel="email", kind="due_today", title="t", status="failed",
                          next_attempt_at=now, created_at=now)  # fmt: skip
    db.session.add_all([escalation, failed])
    batch = ImportBatch(
        kind="proposals", filename="名单.xlsx", created_by_id=outside["users"][L].id, created_at=now
    )
    db.session.add(batch)
    db.session.commit()
    alias = db.session.scalar(db.select(Alias.id).order_by(Alias.id).limit(1))
    from crm.reports.screen import create_link

    screen, _token = create_link(inside["users"][G], "一楼大厅", now)
    extra = {**chain_records(inside["users"][G], now), "screen": screen.id, "conflict": conflict.id, "item": item, "escalation": escalation.id, "failed": failed.id, "alias": alias,
             "batch": batch.id, "upload": stored_upload(outside["users"][L])}  # fmt: skip
    return inside, {"in": inside, "out": outside}, extra


def chain_records(manager, now) -> dict[str, int]:
    """A chain with a link holding a node (with a local firm) and an empty node, and an empty link."""
    from crm.chains import services as cs

    chain = cs.create_chain(manager, cs.ChainData(name="轴承"), now)
    link, empty_link = cs.add_link(manager, chain, "中游", now), cs.add_link(manager, chain, "下游", now)
    node = cs.add_node(manager, chain, cs.NodeData("高端轴承套圈", link.id), now)
    empty_node = cs.add_node(manager, chain, cs.NodeData("轴承钢球", link.id), now)
    firm = cs.place_firm_named(manager, node, "聊城（临清）轴承有限公司", region("371581").id, "leader", now)
    return {"chain": chain.id, "link": link.id, "emptylink": empty_link.id, "node": node.id,
            "emptynode": empty_node.id, "firm": firm.id}  # fmt: skip


def stored_upload(owner) -> str:
    """An uploaded file waiting for its dry run, as the import screen leaves it (owned by `owner`)."""
    import json
    import secrets
    from pathlib import Path

    token = secrets.token_hex(16)
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{token}.bin").write_bytes("企业名称\n测试\n".encode())
    (folder / f"{token}.json").write_text(
        json.dumps({"user_id": owner.id, "filename": "a.csv", "kind": "proposals"})
    )
    return token


def url_for_case(template: str, county: dict, extra: dict) -> str:
    return template.format(
        proposal=county["proposal"].id, whitelisted=county["whitelisted"].id, assigned=county["assigned"].id,
        enterprise=county["assigned"].enterprise_id, team=county["team"].id, member=county["users"][M].id,
        region=county["assigned"].region_id, newcomer=county["newcomer"].id, pversion=county["proposal"].version,
        aversion=county["assigned"].version, log=county["log"].id, task=county["task"].id,
        signed=county["signed"].id, project=county["project"].id, prversion=county["project"].version,
        line=county["line"].id, **{"return": county["line"].return_id}, edition=county["edition"].id,
        view=county["view"].id,
        instruction=county["instruction"].id, iversion=county["instruction"].version,
        **extra,
    )  # fmt: skip


@pytest.mark.parametrize(("endpoint", "scope", "role"), CASES)
def test_route_answers_each_role(client, world, endpoint, scope, role):
    inside, counties, extra = world
    method, template, data, expected = MATRIX[endpoint]
    county = counties[scope]
    url = url_for_case(template, county, extra)
    form = {k: url_for_case(v, county, extra) for k, v in (data or {}).items()} if data is not None else None
    if role != "anonymous":
        response = client.post(
            "/auth/login", data={"username": inside["users"][role].username, "password": PASSWORD}
        )
        assert response.status_code == 302
    response = client.open(url, method=method, data=form)
    if role == "anonymous":
        if endpoint == "auth.login":
            assert response.status_code == 200
        elif endpoint in PUBLIC:
            assert response.status_code == PUBLIC[endpoint]
        elif endpoint in ANONYMOUS_401:
            assert response.status_code == 401 and response.is_json
        else:
            assert response.status_code == 302 and "/auth/login" in response.location
        return
    assert response.status_code == expected[scope][role], response.data.decode()[:300]
