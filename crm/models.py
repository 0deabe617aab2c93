"""Imports every model so Alembic and the app see the whole schema."""

from crm.auth.models import LoginAttempt, User
from crm.enterprises.models import Contact, Enterprise, EnterpriseCategory
from crm.refdata.models import CategoryTag, Industry, Region, Setting
from crm.whitelist.models import Event, WhitelistEntry

__all__ = [
    "CategoryTag",
    "Contact",
    "Enterprise",
    "EnterpriseCategory",
    "Event",
    "Industry",
    "LoginAttempt",
    "Region",
    "Setting",
    "User",
    "WhitelistEntry",
]
