"""The saved-view screens: saving from the list (cleaned, bad input kept and explained), the list's dropdown,
save-into offered only when allowed, and a view stored with obsolete arguments still opening."""

# ruff: noqa: F811  (the campaign fixture is imported and taken as an argument)

from crm.extensions import db
from crm.saved_views import services as sv
from crm.saved_views.models import SavedView
from crm.saved_views.services import Sharing
from tests.teams.conftest import campaign  # noqa: F401


def test_saving_the_list_keeps_its_clean_filters_and_opens_it(client, login, campaign):
    p, _teams, _w = campaign
    login(p["member"])
    response = client.post("/views/", data={"name": "红灯", "query": "light=red&page=4&junk=1&sort=name"})
    view = db.session.scalar(db.select(SavedView))
    assert (view.name, view.params, view.owner_id) == ("红灯", "light=red&sort=name", p["member"].id)
    assert (
        response.status_code == 302 and response.location == f"/whitelist/?light=red&sort=name&view={view.id}"
    )
    page = client.get(response.location).get_data(as_text=True)
    assert 'data-testid="saved-view-link"' in page and "红灯" in page
    assert 'data-testid="save-into-view"' in page  # the owner may save the list into it


def test_a_refused_save_says_why_and_keeps_what_was_typed(client, login, campaign, now):
    p, _teams, _w = campaign
    sv.create_view(p["member"], "红灯", "", now)
    login(p["member"])
    response = client.post("/views/", data={"name": "红灯", "query": "light=yellow"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "您已有名为“红灯”的视图。" in page and 'value="light=yellow"' in page and 'value="红灯"' in page
    response = client.post("/views/", data={"name": "", "query": "light=yellow"})
    assert response.status_code == 422 and "请填写视图名称。" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(SavedView.id))) == 1


def test_a_locked_view_offers_no_save_into_to_the_others(client, login, campaign, now):
    p, teams, _w = campaign
    view = sv.create_view(p["lead"], "队红灯", "light=red", now, Sharing("team", teams["A"].id), locked=True)
    login(p["member"])
    page = client.get(f"/whitelist/?light=red&view={view.id}").get_data(as_text=True)
    assert "队红灯" in page and 'data-testid="save-into-view"' not in page
    assert client.post(f"/views/{view.id}/save", data={"query": "", "version": "1"}).status_code == 403
    assert client.post(f"/views/{view.id}/delete").status_code == 403
    assert db.session.get(SavedView, view.id).params == "light=red"


def test_a_view_with_obsolete_arguments_still_opens(client, login, campaign, now):
    p, _teams, whitelisted = campaign
    whitelisted("聊城华夏钢铁有限公司")
    view = SavedView(owner_id=p["head"].id, name="旧视图", params="q=华夏&region=99999&state=gone&oldarg=1&col=nope",
                     created_at=now, updated_at=now)  # fmt: skip
    db.session.add(view)
    db.session.commit()
    login(p["head"])
    response = client.get(f"/whitelist/?{view.params}&view={view.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "聊城华夏钢铁有限公司" in page and "旧视图" in page
