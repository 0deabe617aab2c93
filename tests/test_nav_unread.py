"""The navigation's unread count: read with the signed-in user in one statement (crm.auth.sessions), shown as
read unless the request itself wrote to an inbox, and never kept from one request to the next."""

import re

from sqlalchemy import insert, select

from crm.auth.sessions import start_session, user_for_session
from crm.extensions import db
from crm.inbox.models import InboxItem
from crm.inbox.services import mark_read, notify, unread_for_navigation
from crm.types import utcnow
from tests.test_query_counts import count_queries

UNREAD = re.compile(r'data-testid="unread">(\d+)<')
INBOX_COUNT = re.compile(r"^\s*SELECT count\(\*\)[^(]*FROM inbox_items", re.IGNORECASE)


def badge(page: str) -> int:
    found = UNREAD.search(page)
    return int(found.group(1)) if found else 0


def test_the_badge_comes_with_the_user_and_follows_messages_from_elsewhere(client, make_user, login):
    member = make_user("member", "371502")
    now = utcnow()
    notify([member], kind="assigned", title="新的攻坚目标：东昌府区历史悠久精密机械有限公司", now=now)
    db.session.commit()
    login(member)
    with count_queries() as statements:
        page = client.get("/").data.decode()
    assert badge(page) == 1
    assert not [s for s in statements if INBOX_COUNT.match(s)]  # no count of its own
    # The scheduler (another process) delivers two more: the next page shows them; nothing was kept.
    with db.engine.begin() as other:
        for title in ("计划步骤今日到期：需求摸底", "督办（蓝色）：首次对接已逾期"):
            other.execute(
                insert(InboxItem).values(user_id=member.id, kind="reminder", title=title, created_at=now)
            )
    assert badge(client.get("/plans/tasks").data.decode()) == 3
    item = db.session.scalar(select(InboxItem.id).where(InboxItem.user_id == member.id).limit(1))
    client.post(f"/inbox/{item}/read")
    assert badge(client.get("/").data.decode()) == 2


def test_a_request_that_writes_to_an_inbox_counts_again(app, make_user):
    member = make_user("member", "371502")
    now = utcnow()
    notify([member], kind="assigned", title="新的攻坚目标：中寰重工（山东）装备有限公司", now=now)
    db.session.commit()
    ref = start_session(member, False, now)
    with app.test_request_context("/"):
        user = user_for_session(ref, now)
        with count_queries() as statements:
            assert unread_for_navigation(user) == 1
        assert statements == []  # as read with the user
        notify([user], kind="instruction", title="领导批示（批办）：请本周内完成对接", now=now)
        db.session.flush()
        assert unread_for_navigation(user) == 2  # a message added in this request: counted again
    db.session.commit()
    with app.test_request_context("/"):
        user = user_for_session(ref, now)
        assert unread_for_navigation(user) == 2
        mark_read(user, now)  # a bulk UPDATE of the inbox
        assert unread_for_navigation(user) == 0


def test_messages_added_through_the_table_or_not_yet_flushed_count_too(app, make_user):
    member = make_user("member", "371503")
    now = utcnow()
    ref = start_session(member, False, now)
    with app.test_request_context("/"):
        user = user_for_session(ref, now)
        assert unread_for_navigation(user) == 0
        notify(
            [user], kind="instruction", title="领导批示（参阅）：茌平区产业链招商简报", now=now
        )  # not flushed
        assert unread_for_navigation(user) == 1
    db.session.commit()
    with app.test_request_context("/"):
        user = user_for_session(ref, now)
        assert unread_for_navigation(user) == 1
        # The outbox delivers inbox messages with a table-level INSERT (crm.outbox), not through the ORM's units.
        db.session.execute(
            insert(InboxItem.__table__).values(
                user_id=user.id, kind="reminder", title="计划步骤明日到期", created_at=now
            )
        )
        assert unread_for_navigation(user) == 2
    db.session.rollback()
