"""crm.templating's light_badge and provisional_mark: the HTML the Jinja macros wrote, from Python, escaped."""

from datetime import date

from flask import render_template_string
from flask_babel import force_locale
from markupsafe import Markup

from crm.plans.lights import Light
from crm.templating import light_badge, provisional_mark
from tests.security.xss import unsafe_html

HOSTILE = '"><script>alert(7)</script>'


def test_a_light_badge_says_its_colour_and_reasons(app):
    with app.test_request_context("/"):
        red = Light("red", ["步骤「首次对接」逾期 3 个工作日", "14 个工作日未联系"])
        badge = light_badge(red)
        assert badge == Markup(
            '<span class="badge text-bg-danger" data-testid="light"'
            ' title="步骤「首次对接」逾期 3 个工作日；14 个工作日未联系">红灯</span>'
        )
        assert light_badge(Light("green", ["按计划推进"])).startswith('<span class="badge text-bg-success"')
        assert light_badge(None) == "" and isinstance(light_badge(None), Markup)


def test_a_light_badge_escapes_its_reasons(app):
    """A reason carries a step's title, which members type."""
    with app.test_request_context("/"):
        badge = light_badge(Light("yellow", [f"步骤{HOSTILE}逾期"]))
        assert "<script>" not in badge and "&lt;script&gt;" in badge
        assert unsafe_html(str(badge)) == []


def test_templates_call_it_as_they_called_the_macro(app):
    with app.test_request_context("/"):
        page = render_template_string("<p>{{ light_badge(light) }}</p>", light=Light("red", ["x < y"]))
        assert 'title="x &lt; y">红灯</span></p>' in page


def test_a_date_of_a_provisional_year_is_marked(app):
    """2027's notice is not in (tests/plans/test_provisional.py confirms it and sees the marks go): its dates are
    marked, 2026's (from the holiday package) are not."""
    with app.test_request_context("/"):
        assert provisional_mark(date(2026, 12, 31)) == ""
        assert provisional_mark(None) == ""
        mark = provisional_mark(date(2027, 1, 4))
        assert 'data-testid="provisional-mark"' in mark and ">暂定</span>" in mark
        with force_locale("en"):
            assert ">provisional</span>" in provisional_mark(date(2027, 1, 4))
