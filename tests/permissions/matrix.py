"""The permission matrix: every route × every role, for records in the user's scope ("in") and outside it ("out"),
with the status each should answer. tests/test_permissions.py runs it; the security sweeps reuse it."""

from crm.vocab import Role
from tests.api.matrix import SESSION_MATRIX

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
    "teams.member_form": (
        "GET", "/teams/{team}/members/new", None,
        {"in": answers(403, 200, 403, 200, 200), "out": answers(404, 404, 404, 200, 200)},
    ),
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
