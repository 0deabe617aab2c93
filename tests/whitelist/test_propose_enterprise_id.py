"""POST /whitelist/propose naming an enterprise on file by id: junk, unknown and out-of-scope ids get a clear
error on the form with what was typed kept (they were a 500: the form dropped the enterprise fields, then the
view read the missing name); nothing is written."""

import pytest
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.whitelist.models import WhitelistEntry
from tests.whitelist.test_views import propose_form

ERROR = (
    "The enterprise chosen is not on file or is not one you may propose. Fill in the enterprise below, or pick "
    "one from the duplicate list."
)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def entry_fields(**overrides) -> dict:
    """Valid entry fields and no enterprise fields, as the 'propose the enterprise on file' form posts them."""
    form = propose_form(**overrides)
    for name in ("name", "uscc"):
        form.pop(name)
    return form


@pytest.mark.parametrize("enterprise_id", ["abc", "2'", "99999999999", "-1", "1.5", "²"])
def test_a_junk_or_unknown_enterprise_id_is_a_clear_error(client, make_user, login, enterprise_id):
    login(make_user("member", "371502"))
    response = client.post(
        "/whitelist/propose", data=entry_fields(enterprise_id=enterprise_id, summary="保留我")
    )
    page = response.data.decode()
    assert response.status_code == 200
    assert _(ERROR) in page and "保留我" in page  # the message, and what was typed is still there
    assert count(WhitelistEntry) == 0 and count(Enterprise) == 0


def test_an_id_of_an_enterprise_the_user_may_not_propose_is_refused(client, make_user, make_entry, login):
    """Another county's enterprise named by id alone (no duplicate check offered it): refused, not proposed."""
    other = make_entry(make_user("member", "371503"), name="冠县远方纺织有限公司")
    login(make_user("member", "371502"))
    response = client.post(
        "/whitelist/propose", data=entry_fields(enterprise_id=str(other.enterprise_id), summary="保留我")
    )
    assert response.status_code == 200 and _(ERROR) in response.data.decode()
    assert count(WhitelistEntry) == 1


def test_an_unknown_id_with_the_enterprise_typed_in_still_asks(client, make_user, login):
    login(make_user("member", "371502"))
    response = client.post("/whitelist/propose", data=propose_form(enterprise_id="99999999999"))
    page = response.data.decode()
    assert response.status_code == 200 and _(ERROR) in page and "鸿远示范新材料有限公司" in page
    assert count(Enterprise) == 0


def test_a_valid_id_in_scope_still_proposes(client, make_user, make_enterprise, login):
    member = make_user("member", "371502")
    mine = make_enterprise(member, name="东昌府区自有企业有限公司")
    login(member)
    response = client.post("/whitelist/propose", data=entry_fields(enterprise_id=str(mine.id)))
    assert response.status_code == 302
    assert db.session.scalar(select(WhitelistEntry.enterprise_id)) == mine.id


def test_a_link_naming_an_unknown_enterprise_is_404(client, make_user, login):
    login(make_user("member", "371502"))
    assert client.get("/whitelist/propose?enterprise_id=99999").status_code == 404
    assert client.get("/whitelist/propose?enterprise_id=abc").status_code == 200
