"""Imports every model so Alembic and the app see the whole schema."""

from crm.api.models import ApiToken
from crm.auth.models import LoginAttempt, LoginThrottleReset, User, UserSession
from crm.chains.models import Chain, ChainEvent, ChainLink, ChainNode, ChainRegion, NodeFirm
from crm.dashboard.models import YearGoal
from crm.enterprises.models import Contact, Enterprise, EnterpriseCategory, EnterpriseMerge
from crm.imports.models import ImportBatch, ImportItem
from crm.inbox.models import InboxItem
from crm.instructions.models import Instruction, InstructionStep
from crm.plans.models import ContactLog, FundArrival, Holiday, PlanTemplate, Task, TemplateStep
from crm.projects.models import FundPlan, FundReturn, Project
from crm.refdata.models import Alias, CategoryTag, Industry, Region, Setting
from crm.reminders.models import ChannelPreference, Escalation, Heartbeat, Mute, Notification
from crm.reports.models import ReportEdition, ScreenLink
from crm.saved_views.models import SavedView, SavedViewPin
from crm.teams.models import Assignment, Team, TeamIndustry, TeamMember
from crm.whitelist.models import Event, WhitelistEntry

__all__ = [
    "Instruction",
    "InstructionStep",
    "ReportEdition",
    "ScreenLink",
    "SavedView",
    "SavedViewPin",
    "Chain",
    "ChainEvent",
    "ChainLink",
    "ChainNode",
    "ChainRegion",
    "NodeFirm",
    "Alias",
    "ApiToken",
    "EnterpriseMerge",
    "ImportBatch",
    "ImportItem",
    "YearGoal",
    "ChannelPreference",
    "Escalation",
    "Heartbeat",
    "Mute",
    "Notification",
    "Assignment",
    "InboxItem",
    "Task",
    "TemplateStep",
    "ContactLog",
    "FundArrival",
    "FundPlan",
    "FundReturn",
    "Project",
    "Holiday",
    "PlanTemplate",
    "Team",
    "TeamIndustry",
    "TeamMember",
    "CategoryTag",
    "Contact",
    "Enterprise",
    "EnterpriseCategory",
    "Event",
    "Industry",
    "LoginAttempt",
    "LoginThrottleReset",
    "Region",
    "Setting",
    "User",
    "UserSession",
    "WhitelistEntry",
]
