"""An entry's page with a long history: the contact log and the history come in pages (newest first, with the
count of all), so the page costs the same statements whatever the history (issue 16); a list shorter than a page
is not counted apart, since its page says its total."""

import re
from datetime import timedelta

from sqlalchemy import select

from crm.enterprises.models import Contact, Enterprise
from crm.extensions import db
from crm.plans.logs import LOGS_PER_PAGE
from crm.plans.models import ContactLog
from crm.teams import assignment
from crm.whitelist.models import Event
from crm.whitelist.queries import EVENTS_PER_PAGE
from tests.teams.conftest import campaign  # noqa: F401
from tests.test_query_counts import count_queries


def add_history(entry, author, now, logs: int, events: int, start: int = 0) -> None:
    """`logs` contact logs a day apart and `events` edits (after the workflow's own), numbered so the test can tell
    which page shows."""
    for i in range(start, start + logs):
        db.session.add(ContactLog(entry_id=entry.id, occurred_at=now - timedelta(days=i), kind="call",
                                  summary=f"第{i:03d}次电话", created_by_id=author.id))  # fmt: skip
    for i in range(start, start + events):
        db.session.add(Event(enterprise_id=entry.enterprise_id, entry_id=entry.id, action="edit",
                             actor_id=author.id, at=now + timedelta(days=1, minutes=-i), detail=f"第{i:03d}次修改"))  # fmt: skip
    db.session.commit()


def shown(page: str, word: str) -> list[int]:
    return [int(n) for n in re.findall(rf"第(\d{{3}})次{word}", page)]


def test_logs_and_history_come_newest_first_in_pages_with_their_counts(client, campaign, login, now):  # noqa: F811
    p, teams, whitelisted = campaign
    entry = whitelisted("历史悠久精密机械有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], now)
    add_history(entry, p["member"], now, logs=LOGS_PER_PAGE * 2 + 5, events=EVENTS_PER_PAGE + 3)
    login(p["member"])
    url = f"/whitelist/{entry.id}"

    first = client.get(url).data.decode()
    assert shown(first, "电话") == list(range(LOGS_PER_PAGE))
    assert f'data-total="{LOGS_PER_PAGE * 2 + 5}"' in first  # the heading counts them all
    assert "?logs_page=2#logs" in first
    assert shown(first, "修改") == list(range(EVENTS_PER_PAGE))
    assert "?history_page=2#history" in first

    last = client.get(url + "?logs_page=3").data.decode()
    assert shown(last, "电话") == list(range(LOGS_PER_PAGE * 2, LOGS_PER_PAGE * 2 + 5))
    assert f'data-total="{LOGS_PER_PAGE * 2 + 5}"' in last  # the pages before the last + its rows
    assert shown(last, "修改") == list(range(EVENTS_PER_PAGE))  # the other list stays on its first page
    older = client.get(url + "?history_page=2").data.decode()
    assert shown(older, "修改")[:3] == [EVENTS_PER_PAGE, EVENTS_PER_PAGE + 1, EVENTS_PER_PAGE + 2]
    # Junk and pages past the end answer with an empty page, not an error.
    assert client.get(url + "?logs_page=abc").status_code == 200
    past = client.get(url + "?logs_page=99").data.decode()
    assert shown(past, "电话") == [] and f'data-total="{LOGS_PER_PAGE * 2 + 5}"' in past

    # The enterprise's own page pages its history the same way.
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.id == entry.enterprise_id))
    page = client.get(f"/enterprises/{enterprise.id}").data.decode()
    assert shown(page, "修改") == list(range(EVENTS_PER_PAGE)) and "?history_page=2#history" in page


def test_the_entry_page_costs_the_same_statements_with_a_long_history(client, campaign, login, now):  # noqa: F811
    p, teams, whitelisted = campaign
    entry = whitelisted("历史悠久精密机械有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], now)
    add_history(entry, p["member"], now, logs=3, events=3)
    login(p["member"])
    with count_queries() as short:
        page = client.get(f"/whitelist/{entry.id}").data.decode()
    assert 'data-total="3"' in page and not [s for s in short if "count(*)" in s and "contact_logs" in s]
    add_history(entry, p["member"], now, logs=LOGS_PER_PAGE, events=EVENTS_PER_PAGE, start=3)
    with count_queries() as full:
        client.get(f"/whitelist/{entry.id}")
    add_history(entry, p["member"], now, logs=200, events=200, start=3 + LOGS_PER_PAGE + EVENTS_PER_PAGE)
    with count_queries() as long:
        page = client.get(f"/whitelist/{entry.id}").data.decode()
    # Once each list fills a page it is counted (two statements more), and then no more whatever its length.
    assert len(full) == len(short) + 2 and len(long) == len(full)
    assert f'data-total="{LOGS_PER_PAGE + 203}"' in page
    assert len(shown(page, "电话")) == LOGS_PER_PAGE and len(shown(page, "修改")) == EVENTS_PER_PAGE


def test_each_log_names_its_own_people_and_contacts(client, campaign, login, now):  # noqa: F811
    """The names come apart from the logs (crm.plans.logs.names_of): each log shows its own participants and the
    enterprise's contacts met, in the order they were added, and a log with no contact shows none."""
    p, teams, whitelisted = campaign
    entry = whitelisted("中寰重工（山东）有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], now)
    p["member"].full_name, p["lead"].full_name = "张　三", "欧阳（组长）"
    enterprise = db.session.get(Enterprise, entry.enterprise_id)
    first_met, second_met = Contact(name="王总（董事长）"), Contact(name="Ｌｉ　Ｍｉｎｇ")
    enterprise.contacts += [first_met, second_met]
    visit = ContactLog(entry_id=entry.id, occurred_at=now, kind="visit", summary="第001次拜访",
                       created_by_id=p["member"].id, participants=[p["lead"], p["member"]],
                       people=[second_met, first_met])  # fmt: skip
    call = ContactLog(entry_id=entry.id, occurred_at=now - timedelta(days=1), kind="call", summary="第002次电话",
                      created_by_id=p["member"].id, participants=[p["member"]])  # fmt: skip
    db.session.add_all([visit, call])
    db.session.commit()
    login(p["member"])
    page = client.get(f"/whitelist/{entry.id}").data.decode()
    logs = page[page.index('data-testid="logs"') :].split("</ul>")[0]
    items = [item.split("</li>")[0] for item in logs.split('<li class="list-group-item">')[1:]]
    assert len(items) == 2
    taking_part = sorted([p["member"], p["lead"]], key=lambda u: u.id)  # by when they were added
    assert "、".join(u.full_name for u in taking_part) in items[0]
    assert "王总（董事长）、Ｌｉ　Ｍｉｎｇ" in items[0]  # the contacts by when they were added
    assert "张　三" in items[1] and "欧阳（组长）" not in items[1] and "王总" not in items[1]
