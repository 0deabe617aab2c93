"""Each project's 到位资金 standing, kept on the project so that its light needs no aggregate per request.

- `funds_verified`: the sum of the project's arrivals in verified returns (万元; an adjustment may subtract).
- `funds_behind_from`: the first planned month at whose end the plan's running total exceeds `funds_verified`
  (None: the verified funds cover the whole schedule, or there is no schedule).

Planned amounts are positive (a schedule keeps no zero month and refuses negative ones), so the running total
only grows: "the plan up to month M exceeds the verified funds" holds exactly for the months from
`funds_behind_from` on. crm.projects.lights then asks `funds_behind_from <= due`, one column compared per project,
where it used to sum every plan row and verified arrival for every request (bench/projects.py: the list's red
filter 304 ms at 150,000 projects).

Who keeps it: the schedule's writers (crm.projects.services: add, set_schedule) call `restate` on the project in
hand; a verification (crm.projects.returns.verify, the only way money starts to count) calls `refresh` for the
projects it reports; the nightly job (crm.reminders.jobs) calls `refresh()` for all, which also mends a row
written some other way (tests/projects/test_standing.py holds all three to a computation from the records).
"""

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, select

from crm.extensions import db
from crm.plans.models import FundArrival
from crm.projects.models import FundPlan, FundReturn, Project

CHUNK = 2000


def behind_from(plan: Iterable[tuple[date, int]], verified: int) -> date | None:
    """The first month whose running planned total exceeds `verified`, or None."""
    total = 0
    for month, amount in sorted(plan):
        total += amount
        if total > 0 and total > verified:
            return month
    return None


def restate(project: Project) -> None:
    """Recompute the project's `funds_behind_from` after its schedule changed (its verified funds did not)."""
    project.funds_behind_from = behind_from(
        ((p.month, p.amount) for p in project.plan), project.funds_verified or 0
    )


def computed(ids: Collection[int]) -> dict[int, tuple[int, date | None]]:
    """(funds_verified, funds_behind_from) of the projects `ids`, read from the arrivals and plan rows."""
    verified = dict(
        db.session.execute(
            select(FundArrival.project_id, func.sum(FundArrival.fixed_amount + FundArrival.other_amount))
            .join(FundReturn, FundReturn.id == FundArrival.return_id)
            .where(FundArrival.project_id.in_(ids), FundReturn.status == "verified")
            .group_by(FundArrival.project_id)
        ).all()
    )
    plans: dict[int, list[tuple[date, int]]] = {}
    for pid, month, amount in db.session.execute(
        select(FundPlan.project_id, FundPlan.month, FundPlan.amount).where(FundPlan.project_id.in_(ids))
    ):
        plans.setdefault(pid, []).append((month, amount))
    out = {}
    for pid in ids:
        got = int(verified.get(pid) or 0)
        out[pid] = (got, behind_from(plans.get(pid, []), got))
    return out


def refresh(ids: Collection[int] | None = None) -> int:
    """Recompute the standing of the projects `ids` (None: every project) from the records and write what
    differs; returns how many projects changed. Written with a plain UPDATE: the standing is derived, so it does
    not bump the project's version (an edit open in someone's browser stays valid)."""
    db.session.flush()
    wanted = (
        sorted(set(ids))
        if ids is not None
        else list(db.session.scalars(select(Project.id).order_by(Project.id)))
    )
    table = Project.__table__
    statement = (
        table.update()
        .where(table.c.id == bindparam("pid"))
        .values(funds_verified=bindparam("got"), funds_behind_from=bindparam("behind"))
    )
    changed: list[int] = []
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        stored = {
            pid: (got, behind)
            for pid, got, behind in db.session.execute(
                select(Project.id, Project.funds_verified, Project.funds_behind_from).where(
                    Project.id.in_(chunk)
                )
            )
        }
        rows: list[dict[str, Any]] = [
            {"pid": pid, "got": got, "behind": behind}
            for pid, (got, behind) in computed(chunk).items()
            if pid in stored and stored[pid] != (got, behind)
        ]
        if rows:
            db.session.execute(statement, rows)
            changed += [r["pid"] for r in rows]
    if changed:
        _expire(set(changed))
    return len(changed)


def _expire(ids: set[int]) -> None:
    """Projects loaded in this session read the new standing on their next access."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Project) and obj.id in ids:
            db.session.expire(obj, ["funds_verified", "funds_behind_from"])
