"""A small campaign whose every text field holds hostile text (tests/security/xss.py FIELDS), set through the
real screens (forms, the import upload, the API) as users would; only the rows the scheduler writes (a 督办 and a
failed outbox message) and another county's claim are written directly.

Every response on the way (form re-renders, flashed messages after redirects) is checked like a page."""

import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select, update

from crm.api.models import ApiToken
from crm.chains.models import ChainLink, ChainNode, NodeFirm
from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.imports.models import ImportBatch
from crm.instructions.models import Instruction
from crm.plans.models import ContactLog, Task, TemplateStep
from crm.refdata.models import CategoryTag, Industry
from crm.reminders.models import Escalation, Notification
from crm.settings import SPECS
from crm.types import local_date, utcnow
from crm.whitelist import services as wf
from crm.whitelist.models import WhitelistEntry
from tests.conftest import region
from tests.security.helpers import sign_in, use_session
from tests.security.xss import payload, unsafe_html

ID_IN_LOCATION = re.compile(r"/(\d+)(?:[/#?]|$)")
MULTIPART = "multipart/form-data"


@dataclass
class World:
    users: dict  # role → User (member, lead, county_head, manager, admin; other_lead of 茌平区)
    today: str = ""
    ids: dict = field(default_factory=dict)  # URL argument name (and a few more) → id of the hostile record
    api_token: str = ""
    upload_token: str = ""  # an import waiting on its dry run (the county head's)
    problems: list[str] = field(default_factory=list)  # unsafe responses met while building


class Builder:
    def __init__(self, client, users: dict):
        self.client, self.world = client, World(users, local_date(utcnow()).isoformat())
        self.cookies = {role: sign_in(client, user) for role, user in users.items()}

    def act(self, role, method: str, url: str, expect=(200, 302), **kwargs):
        """One request as `role`; follows a redirect once to see the flashed message; checks both pages."""
        use_session(self.client, self.cookies[role])
        response = self.client.open(url, method=method, **kwargs)
        page = response.data.decode()
        page = page[page.find("<main") :][:1500] if "<main" in page else page[:800]
        assert response.status_code in expect, (method, url, response.status_code, page)
        self.check(f"{method} {url} as {role}", response)
        if response.status_code == 302 and response.location.startswith("/"):
            self.check(f"after {method} {url} as {role}", self.client.get(response.location))
        return response

    def post(self, who, path: str, **data):  # (a form may have fields called role or url)
        return self.act(who, "POST", path, data=data)

    def check(self, label: str, response) -> None:
        if response.mimetype == "text/html":
            self.world.problems += [f"{label}: {p}" for p in unsafe_html(response.data.decode())]

    @staticmethod
    def new_id(response) -> int:
        return int(ID_IN_LOCATION.findall(response.location)[-1])


def version(entry_id: int) -> int:
    db.session.expire_all()
    return db.session.get(WhitelistEntry, entry_id).version


def build(client, users: dict) -> World:
    b = Builder(client, users)
    _reference_data(b)
    _teams(b)
    _proposals(b)
    _work(b)
    _instructions(b)
    _import_and_merge(b)
    _api(b)
    _chains(b)
    return b.world


def _reference_data(b: Builder) -> None:
    """The administrator: a county's name, an industry, a category, users' names, the plan template, a holiday;
    settings and goals refuse text."""
    ids, county = b.world.ids, region("371502")
    b.post("admin", f"/admin/regions/{county.id}", code=county.code, name=payload("regions.name"), kind="county",
           sort="0", active="y")  # fmt: skip
    b.post("admin", "/admin/industries/new", name=payload("industries.name"), parent_id="0", is_manufacturing="y",
           sort="0", active="y")  # fmt: skip
    b.post("admin", "/admin/tags/new", code="xss_probe", name=payload("category_tags.name"), group="top500",
           sort="0", active="y")  # fmt: skip
    ids["industry"] = db.session.scalar(
        select(Industry.id).where(Industry.name == payload("industries.name"))
    )
    ids["tag"] = db.session.scalar(select(CategoryTag.id).where(CategoryTag.code == "xss_probe"))
    for user in b.world.users.values():
        b.post("admin", f"/admin/users/{user.id}", username=user.username, full_name=payload("users.full_name"),
               role=user.role, region_id=str(user.region_id or 0), phone=payload("users.phone"), email="",
               password="", active="y")  # fmt: skip
    b.post("admin", "/plans/holidays", day=f"{b.world.today[:4]}-12-31", name=payload("holidays.name"))
    b.post("admin", "/plans/template", name=payload("template_steps.name"), offset_workdays="1", owner_role="owner",
           evidence="any", sort="99")  # fmt: skip
    ids["step_id"] = db.session.scalar(
        select(TemplateStep.id).where(TemplateStep.name == payload("template_steps.name"))
    )
    settings = {key: payload("regions.name") for key in SPECS}
    b.act("admin", "POST", "/admin/settings", data=settings, expect=(200,))  # refused, the text shown again
    b.act(
        "manager", "POST", "/dashboard/goals", data={"signings_low": payload("regions.name")}, expect=(200,)
    )


def _teams(b: Builder) -> None:
    """The manager: team A (hostile names, a javascript: webhook refused first) led by the lead with the member,
    and team B for a reassignment."""
    ids, users = b.world.ids, b.world.users
    form = {"name": payload("teams.name"), "region_id": str(region("371502").id), "leader_id": str(users["lead"].id),
            "senior_leader": payload("teams.senior_leader"), "industry_ids": [str(ids["industry"])],
            "webhook_url": "javascript:alert(1)", "active": "y"}  # fmt: skip
    assert b.post("manager", "/teams/new", **form).status_code == 200  # refused, the form shown again
    ids["team_id"] = b.new_id(
        b.post("manager", "/teams/new", **(form | {"webhook_url": payload("teams.webhook_url")}))
    )
    ids["team_b"] = b.new_id(
        b.post("manager", "/teams/new", **(form | {"name": "攻坚乙队", "webhook_url": ""}))
    )
    b.post("manager", f"/teams/{ids['team_id']}/members", user_id=str(users["member"].id))


def _proposals(b: Builder) -> None:
    """The member proposes the hostile enterprise (a javascript: website refused first) and two ordinary ones; the
    county head returns one and approves two with the manager; the lead assigns those to team A."""
    ids, users = b.world.ids, b.world.users
    entry = {"region_id": str(region("371502").id), "industry_id": str(ids["industry"]), "campaign": "duobiao",
             "mode": "origin", "planned_investment": "50000", "priority": "1", "confirm_new": "y"}  # fmt: skip
    hostile = entry | {"name": payload("enterprises.name"), "name_en": payload("enterprises.name_en"),
                       "hq": payload("enterprises.hq"), "notes": payload("enterprises.notes"),
                       "website": "javascript:alert(1)", "ent_industry_id": str(ids["industry"]),
                       "summary": payload("whitelist_entries.summary"), f"cat_{ids['tag']}": "1"}  # fmt: skip
    assert (
        b.post("member", "/whitelist/propose", **hostile).status_code == 200
    )  # refused, the form shown again
    e1 = b.new_id(
        b.post("member", "/whitelist/propose", **(hostile | {"website": payload("enterprises.website")}))
    )
    e2 = b.new_id(b.post("member", "/whitelist/propose", **(entry | {"name": "签约测试有限公司"})))
    e3 = b.new_id(b.post("member", "/whitelist/propose", **(entry | {"name": "退回测试有限公司"})))
    b.post(
        "county_head",
        f"/whitelist/{e3}/return",
        reason=payload("events.reason (return)"),
        version=version(e3),
    )
    for entry_id in (e1, e2):
        for role in ("county_head", "manager"):
            b.post(role, f"/whitelist/{entry_id}/approve", reason=payload("events.reason (approval)"),
                   version=version(entry_id))  # fmt: skip
        b.post("lead", f"/whitelist/{entry_id}/assign", team_id=str(ids["team_id"]),
               owner_id=str(users["member"].id), version=version(entry_id))  # fmt: skip
    ids |= {"entry_id": e1, "enterprise_id": db.session.get(WhitelistEntry, e1).enterprise_id, "signed_entry": e2,
            "returned_entry": e3}  # fmt: skip


def _work(b: Builder) -> None:
    """Logs (one with an attachment), a contact person, a plan step, signing and funds, a reassignment, a 督办 and
    its acknowledgement, and another county's claim on the hostile enterprise (a conflict for the city)."""
    ids, users, today = b.world.ids, b.world.users, b.world.today
    e1, e2 = ids["entry_id"], ids["signed_entry"]
    # 00:00 local: a log at 09:00 today is in the future between midnight and nine in Beijing (16:00–01:00 UTC).
    log = {"occurred_on": today, "occurred_time": "00:00", "kind": "visit", "summary": payload("contact_logs.summary"),
           "outcome": payload("contact_logs.outcome"), "next_step": payload("contact_logs.next_step"),
           "next_date": today, "new_contact_name": payload("contacts.name (log form)"), "new_contact_title": "总经理",
           "attachment": (io.BytesIO(b"%PDF-1.7 x"), payload("contact_logs.attachment_name") + ".pdf")}  # fmt: skip
    b.act("member", "POST", f"/plans/entries/{e1}/log", data=log, content_type=MULTIPART)
    ids["log_id"] = db.session.scalar(select(ContactLog.id).where(ContactLog.entry_id == e1))
    b.act("member", "POST", f"/plans/entries/{e2}/log", data=log | {"attachment": (io.BytesIO(b""), "")},
          content_type=MULTIPART)  # fmt: skip
    b.post("member", f"/enterprises/{ids['enterprise_id']}/contacts", name=payload("contacts.name"),
           title=payload("contacts.title"), notes=payload("contacts.notes"))  # fmt: skip
    b.post("lead", f"/plans/entries/{e1}/steps", title=payload("tasks.title (added step)"), due_date=today,
           evidence="any", owner_id=str(users["member"].id))  # fmt: skip
    b.post("manager", f"/plans/entries/{e2}/stage", target="negotiating", version=version(e2))
    b.post(
        "manager",
        f"/plans/entries/{e2}/stage",
        target="signed",
        on=today,
        amount="80000",
        version=version(e2),
    )
    b.post("manager", f"/plans/entries/{e2}/funds", arrived_on=today, fixed_amount="1000",
           note=payload("fund_arrivals.note"))  # fmt: skip
    _project(b, e2)
    b.post("lead", f"/whitelist/{e2}/reassign", team_id=str(ids["team_b"]), owner_id="0",
           reason=payload("assignments.reason"), move_tasks="y", version=version(e2))  # fmt: skip
    # What the scheduler writes: a 督办 to the lead, and an email it failed to send.
    task = db.session.scalar(select(Task).where(Task.entry_id == e1, Task.status == "open").limit(1))
    escalation = Escalation(task_id=task.id, entry_id=e1, level="lead", severity="blue", overdue_days=3,
                            recipient_id=users["lead"].id, created_at=utcnow())  # fmt: skip
    text = payload("notifications.title")
    failed = Notification(dedupe_key="xss:failed", channel="email", kind="overdue", status="failed", title=text,
                          body=text, last_error=text, next_attempt_at=utcnow(), created_at=utcnow())  # fmt: skip
    db.session.add_all([escalation, failed])
    db.session.commit()
    ids |= {"escalation_id": escalation.id, "notification_id": failed.id, "task_id": task.id}
    b.post("lead", f"/reminders/escalations/{escalation.id}/ack", note=payload("escalations.note"))
    # Another county claims the enterprise (its proposal screen would not show it to them).
    enterprise = db.session.get(Enterprise, ids["enterprise_id"])
    wf.propose(users["other_lead"], enterprise, wf.EntryData(region_id=region("371503").id), utcnow())


def _instructions(b: Builder) -> None:
    """A manager's 批办 on the hostile target: acknowledged and reported by the member, returned with a reason."""
    ids, e1 = b.world.ids, b.world.ids["entry_id"]
    due = (date.fromisoformat(b.world.today) + timedelta(days=7)).isoformat()
    b.post(
        "manager",
        f"/instructions/entries/{e1}/new",
        kind="action",
        due_date=due,
        text=payload("instructions.text"),
    )
    instruction = db.session.scalar(select(Instruction).where(Instruction.entry_id == e1))
    ids["instruction_id"] = instruction.id

    def step(who: str, action: str, **form) -> None:
        db.session.expire_all()
        current = db.session.get(Instruction, instruction.id).version
        b.post(who, f"/instructions/{instruction.id}/{action}", version=str(current), **form)

    step("member", "acknowledge")
    step("member", "report", text=payload("instructions.report"))
    step("manager", "return", reason=payload("instruction_steps.text (return reason)"))


def _project(b: Builder, e2: int) -> None:
    """A second project with a hostile name, a hostile line in its county's return, the return sent back with a
    hostile reason, and the project terminated with one."""
    from crm.plans.models import FundArrival
    from crm.projects.models import FundReturn, Project

    ids, today = b.world.ids, b.world.today
    region_id = db.session.get(WhitelistEntry, e2).region_id
    b.post("manager", f"/projects/new/{e2}", name=payload("projects.name"), region_id=str(region_id),
           agreement="contract", signed_on=today, contract_amount="100")  # fmt: skip
    project = db.session.scalar(select(Project).where(Project.entry_id == e2).order_by(Project.id.desc()))
    month = str(today)[:7]
    b.post("lead", f"/projects/returns/{region_id}/{month}/lines", project_id=str(project.id), fixed="5",
           note=payload("fund_arrivals.note (return line)"))  # fmt: skip
    line = db.session.scalar(select(FundArrival).where(FundArrival.project_id == project.id))
    ret = db.session.get(FundReturn, line.return_id)
    b.post("lead", f"/projects/returns/filed/{ret.id}/submit", version=str(ret.version))
    db.session.refresh(ret)
    b.post("manager", f"/projects/returns/filed/{ret.id}/send-back", reason=payload("fund_returns.return_reason"),
           version=str(ret.version))  # fmt: skip
    db.session.refresh(project)
    b.post("manager", f"/projects/{project.id}/terminate", reason=payload("projects.terminated_reason"),
           version=str(project.version))  # fmt: skip
    ids |= {
        "project_id": project.id,
        "arrival_id": line.id,
        "return_id": ret.id,
        "region_id": region_id,
        "month": month,
    }


def _import_and_merge(b: Builder) -> None:
    """The county head imports a CSV with hostile cells and a hostile file name (a row with a javascript: website is
    refused first, its row named); the manager merges the imported look-alike into the hostile enterprise."""
    ids, name = b.world.ids, payload("enterprises.name (imported)")
    rows = [["企业名称*", "英文名称", "网站", "备注"],
            [name, payload("enterprises.name_en"), "https://ok.example/", payload("enterprises.notes")],
            ["坏网址有限公司", "", "javascript:alert(1)", ""]]  # fmt: skip

    def upload() -> str:
        data = "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows).encode()
        form = {
            "kind": "enterprises",
            "file": (io.BytesIO(data), payload("import_batches.filename") + ".csv"),
        }
        return b.act("county_head", "POST", "/imports/", data=form, content_type=MULTIPART).location

    page = b.act("county_head", "GET", upload()).data.decode()
    assert 'data-row="3" data-action="reject"' in page  # the javascript: website
    rows[2] = ["导入正常有限公司", "", "", ""]  # (an import needs one row that is not a possible duplicate)
    b.act("county_head", "POST", upload(), data={"confirm": "1", "include_flagged": "1"}, expect=(302,))
    ids["batch_id"] = db.session.scalar(select(ImportBatch.id))
    b.world.upload_token = upload().rstrip("/").rsplit("/", 1)[-1]  # left waiting on its dry run
    duplicate = db.session.scalar(select(Enterprise).where(Enterprise.name == name))
    survivor = db.session.get(Enterprise, ids["enterprise_id"])
    b.act("manager", "GET", f"/enterprises/{survivor.id}/merge?duplicate={duplicate.id}")
    b.post("manager", f"/enterprises/{survivor.id}/merge", duplicate_id=duplicate.id,
           survivor_version=survivor.version, duplicate_version=duplicate.version,
           reason=payload("enterprise_merges.reason"))  # fmt: skip


def _chains(b: Builder) -> None:
    """The manager: a chain, a link, a node and a local 链主 with hostile names; the hostile target fills the node."""
    ids = b.world.ids
    ids["chain_id"] = b.new_id(b.post("manager", "/chains/new", name=payload("chains.name"),
                                      description=payload("chains.description"), chief_id="0",
                                      lead_department=payload("chains.lead_department"),
                                      region_ids=[str(region("371502").id)], active="y"))  # fmt: skip
    b.post("manager", f"/chains/{ids['chain_id']}/links", **{"link-name": payload("chain_links.name")})
    ids["link_id"] = db.session.scalar(select(ChainLink.id).where(ChainLink.chain_id == ids["chain_id"]))
    b.post("manager", f"/chains/{ids['chain_id']}/nodes/new", name=payload("chain_nodes.name"),
           link_id=str(ids["link_id"]), industry_id=str(ids["industry"]), description=payload("chain_nodes.description"))  # fmt: skip
    ids["node_id"] = db.session.scalar(select(ChainNode.id).where(ChainNode.chain_id == ids["chain_id"]))
    b.post("manager", f"/chains/nodes/{ids['node_id']}/firms", name=payload("enterprises.name (local firm)"),
           region_id=str(region("371502").id), role="leader")  # fmt: skip
    ids["firm_id"] = db.session.scalar(select(NodeFirm.id).where(NodeFirm.node_id == ids["node_id"]))
    db.session.execute(
        update(WhitelistEntry)
        .where(WhitelistEntry.id == ids["entry_id"])
        .values(chain_node_id=ids["node_id"])
    )
    db.session.commit()


def _api(b: Builder) -> None:
    """The lead makes an API token (a hostile name) and logs a contact through the API with it."""
    page = b.post("lead", "/auth/tokens", name=payload("api_tokens.name"), days="90").data.decode()
    b.world.api_token = re.search(r"crm_[A-Za-z0-9_-]{20,}", page).group(0)
    b.world.ids["token_id"] = db.session.scalar(select(ApiToken.id))
    b.client.delete_cookie("session")
    body = {"occurred_at": f"{b.world.today}T00:00:00", "kind": "phone",
            "summary": payload("contact_logs.summary (API)")}  # fmt: skip
    headers = {"Authorization": f"Bearer {b.world.api_token}"}
    response = b.client.post(f"/api/v1/entries/{b.world.ids['entry_id']}/logs", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
