"""The pages the palette offers, and which of them a user may open.

Whether a role may open a page is read from the page's own view (`roles_required` leaves its roles on the view
function), so the palette can never offer a page the route would refuse; views guarded by a login only are open
to every signed-in user."""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from crm.auth.models import User
from crm.enterprises.names import pinyin_initials


@dataclass(frozen=True)
class Page:
    endpoint: str
    label: Any  # a lazy translation: the user's language when read
    keywords: str = ""  # other words people type for it (Chinese, comma-separated)


PAGES = (
    Page("main.index", _l("Home"), "首页,开始"),
    Page("plans.my_tasks", _l("My tasks"), "任务,待办,今天"),
    Page("whitelist.index", _l("Whitelist"), "名单,目标企业"),
    Page("whitelist.propose", _l("Propose an enterprise"), "提报,新建,入库"),
    Page("saved_views.index", _l("Saved views"), "视图,筛选"),
    Page("projects.index", _l("Projects"), "签约,项目台账"),
    Page("projects.returns_index", _l("Monthly funds returns"), "到位资金,月报"),
    Page("dashboard.index", _l("Dashboard"), "看板,领导看板"),
    Page("reports.index", _l("Reports"), "周报,通报"),
    Page("reports.screens", _l("Big screen"), "大屏"),
    Page("whitelist.review", _l("Review queue"), "审核"),
    Page("whitelist.conflict_queue", _l("Cross-county conflicts"), "冲突"),
    Page("teams.index", _l("Attack teams"), "团队,攻坚队"),
    Page("enterprises.index", _l("Enterprises"), "企业库"),
    Page("chains.index", _l("Industry chains"), "产业链,链长"),
    Page("reminders.escalations", _l("Follow-up orders"), "督办"),
    Page("inbox.index", _l("Inbox"), "消息,通知"),
    Page("reminders.preferences", _l("Notification settings"), "提醒,邮件"),
    Page("imports.upload", _l("Import from a spreadsheet"), "导入,表格"),
    Page("imports.batches", _l("Import records"), "导入记录"),
    Page("auth.tokens_page", _l("API tokens"), "令牌,接口"),
    Page("admin.index", _l("Administration"), "系统管理"),
    Page("admin.settings", _l("Settings"), "设置,参数"),
    Page("admin.aliases", _l("Other spellings"), "别名"),
    Page("dashboard.goal_page", _l("Annual goals"), "目标"),
    Page("plans.holidays", _l("Holiday table"), "节假日,调休"),
    Page("plans.template", _l("Plan template"), "计划模板"),
    Page("reminders.outbox_page", _l("Reminder delivery"), "发送,失败"),
)


def may_open(user: User, endpoint: str) -> bool:
    """Whether the view of `endpoint` admits the user's role (see the module's docstring)."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    roles = getattr(view, "allowed_roles", None)
    return roles is None or user.role in roles


@lru_cache(maxsize=256)
def _initials(text: str) -> str:
    return pinyin_initials(text)


def matches(page: Page, q: str) -> bool:
    """A page matches its (translated) name, its name's pinyin initials or one of its keywords."""
    label = str(page.label)
    needle = q.strip().lower()
    if not needle:
        return True
    words = [label.lower(), _initials(label), *page.keywords.split(",")]
    words += [_initials(w) for w in page.keywords.split(",") if w]
    return any(needle in w for w in words if w)


def pages_for(user: User, q: str) -> list[tuple[str, str]]:
    """(label, url) of the pages the user may open that match `q`, in the registry's order."""
    return [
        (str(p.label), url_for(p.endpoint)) for p in PAGES if may_open(user, p.endpoint) and matches(p, q)
    ]
