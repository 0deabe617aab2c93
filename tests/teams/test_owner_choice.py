"""Issue 19: the reassign (and assign) screen lists the chosen team's people only, the lead once; an owner from
another team is refused before anything is written, with a message, keeping what was typed."""

import html
import json
import re

from sqlalchemy import select

from crm.extensions import db
from crm.teams import assignment
from crm.teams.models import Assignment


def owner_options(page: str) -> list[str]:
    select_html = re.search(r'<select[^>]*name="owner_id".*?</select>', page, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select_html)


def test_the_owner_list_is_the_chosen_teams_people_and_a_wrong_pick_is_refused_keeping_the_input(
    campaign, now, client, login
):
    p, teams, whitelisted = campaign
    entry = whitelisted("负责人选择企业有限公司")
    assignment.assign(p["manager"], entry, teams["A"], p["member"], now)
    login(p["lead"])
    page = client.get(f"/whitelist/{entry.id}/reassign").get_data(as_text=True)
    # Team A's people: its leader once (as the default), then its member; not team B's member, not the lead twice.
    assert owner_options(page) == [f"团队负责人（{p['lead'].full_name}）", p["member"].full_name]
    assert p["member_b"].full_name not in owner_options(page)
    owners = json.loads(html.unescape(re.search(r'data-owners="([^"]*)"', page).group(1)))
    assert [label for _id, label in owners[str(teams["B"].id)]][1:] == [
        p["member_b"].full_name
    ]  # for the script

    form = {"team_id": teams["B"].id, "owner_id": p["member"].id, "reason": "方向调整，改由新能源队跟进",
            "move_tasks": "y", "version": entry.version}  # fmt: skip
    response = client.post(f"/whitelist/{entry.id}/reassign", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "此人不在“东昌府新能源队”中" in page
    assert "方向调整，改由新能源队跟进" in page  # the reason is kept
    assert p["member_b"].full_name in owner_options(page) and p["member"].full_name not in owner_options(page)
    db.session.expire_all()
    assert entry.team_id == teams["A"].id
    assert db.session.scalar(select(Assignment.id).where(Assignment.to_team_id == teams["B"].id)) is None

    form["owner_id"] = p["member_b"].id
    assert client.post(f"/whitelist/{entry.id}/reassign", data=form).status_code == 302
    db.session.expire_all()
    assert (entry.team_id, entry.owner_id) == (teams["B"].id, p["member_b"].id)
