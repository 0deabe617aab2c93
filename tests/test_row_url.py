"""crm.templating.row_url: a list's per-row URLs built once and filled in, the same as url_for's."""

import pytest
from flask import url_for

from crm.templating import row_url

CASES = [
    ("whitelist.detail", ("entry_id",), {}),
    ("plans.log_contact", ("entry_id", "task"), {"back": "/plans/tasks"}),
    ("plans.log_contact", ("entry_id", "task"), {"back": "/?q=华夏 精密&page=2"}),
    ("projects.detail", ("project_id",), {}),
    ("teams.detail", ("team_id",), {"page": 3}),
]


@pytest.mark.parametrize("endpoint, names, fixed", CASES)
def test_the_urls_are_url_for_s(app, endpoint, names, fixed):
    with app.test_request_context("/"):
        make = row_url(endpoint, *names, **fixed)
        for values in [(1, 2), (7390000000001, 0), (123456789, 987654321), (5, 5)]:
            values = values[: len(names)]
            assert make(*values) == url_for(endpoint, **dict(zip(names, values, strict=True)), **fixed)


def test_only_integers_go_in(app):
    with app.test_request_context("/"):
        make = row_url("whitelist.detail", "entry_id")
        with pytest.raises(ValueError):
            make("1/../../admin")
        assert make(True) == "/whitelist/1" and make(12.0) == "/whitelist/12"


def test_under_a_prefix_the_urls_carry_it(app):
    with app.test_request_context("/", base_url="http://bureau.example.cn/crm"):
        assert (
            row_url("whitelist.detail", "entry_id")(8)
            == "/crm/whitelist/8"
            == url_for("whitelist.detail", entry_id=8)
        )
