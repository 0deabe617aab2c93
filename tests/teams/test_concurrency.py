"""Two leads reassigning the same target at the same moment: one wins, the other is told who changed it.

Runs on the suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL), with two threads that each have
their own app context and database session, synchronised so both read the entry before either writes."""

import threading

from sqlalchemy import select

from crm.auth.models import User
from crm.errors_domain import StaleRecord
from crm.extensions import db
from crm.teams import assignment
from crm.teams.models import Assignment, Team
from crm.whitelist.models import WhitelistEntry


def test_concurrent_reassignment_has_one_winner(app, campaign, now):
    p, teams, whitelisted = campaign
    entry = whitelisted("并发测试企业有限公司")
    assignment.assign(p["manager"], entry, teams["A"], p["member"], now)
    entry_id, seen_version = entry.id, entry.version
    moves = {"lead": (teams["B"].id, "调往新能源队"), "head": (teams["D"].id, "调往市级队")}
    actor_ids = {name: p[name].id for name in moves}
    db.session.remove()  # the test's own session must not hold anything while the threads work

    barrier = threading.Barrier(2, timeout=10)
    results: dict[str, object] = {}

    def work(name: str) -> None:
        with app.app_context():
            try:
                actor = db.session.get(User, actor_ids[name])
                target = db.session.get(Team, moves[name][0])
                mine = db.session.get(WhitelistEntry, entry_id)
                barrier.wait()  # both have read the same version
                assignment.reassign(
                    actor, mine, target, target.leader, moves[name][1], True, now, seen_version
                )
                results[name] = "won"
            except StaleRecord as error:
                results[name] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(name,)) for name in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    outcomes = sorted(type(r).__name__ if not isinstance(r, str) else r for r in results.values())
    assert outcomes == ["StaleRecord", "won"], results
    winner = next(name for name, r in results.items() if r == "won")
    loser_error = next(r for r in results.values() if not isinstance(r, str))
    assert p[winner].full_name in str(loser_error) and "刷新" in str(loser_error)

    final = db.session.get(WhitelistEntry, entry_id)
    assert final.team_id == moves[winner][0]
    assert final.version == seen_version + 1  # exactly one write landed
    history = db.session.scalars(select(Assignment.reason).where(Assignment.entry_id == entry_id)).all()
    assert history == [None, moves[winner][1]]  # the initial assignment and the winner's move, nothing lost
