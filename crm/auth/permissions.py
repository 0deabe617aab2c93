"""Role checks for views. Object-level checks (is this record in my scope?) live in crm.scope."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from crm.vocab import Role


def roles_required(*roles: Role) -> Callable:
    """Logged in, and holding one of `roles`; otherwise 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        # Who may open the page, readable by whoever lists pages (the command palette offers only these).
        wrapped.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapped

    return decorator


admin_required = roles_required(Role.ADMIN)
# Everyone who works the campaign (not the system administrator, who only keeps reference data).
CAMPAIGN_ROLES = (Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER)
REVIEWER_ROLES = (Role.COUNTY_HEAD, Role.MANAGER)
