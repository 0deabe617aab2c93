"""crm.widgets.QuickSelect writes the same HTML as WTForms' Select, only faster."""

import pytest
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from crm.widgets import QuickSelect

CHOICES = [
    (0, "全部"),
    (7, '装备制造 <"高端"> & 新材料'),
    (12, "东昌府区"),
    ("", "空"),
    ("a&b", None),
]


def render(widget, choices, data, coerce=str):
    class F(Form):
        field = SelectField(choices=choices, coerce=coerce, widget=widget)

    form = F(data={"field": data})
    return str(form.field(class_="form-select form-select-sm"))


@pytest.mark.parametrize("data", [0, 7, 12, "a&b", None])
def test_plain_options_are_written_exactly_as_wtforms_writes_them(data):
    assert render(QuickSelect(), CHOICES, data) == render(Select(), CHOICES, data)
    assert "&lt;&#34;高端&#34;&gt; &amp;" in render(QuickSelect(), CHOICES, data)


def test_int_choices_selected_and_groups_and_attributes_match_too():
    grouped = [
        SelectChoice(1, "风电", optgroup="新能源"),
        SelectChoice(2, "光伏", optgroup="新能源", render_kw={"data-x": "y"}),
        SelectChoice(3, "其他"),
        SelectChoice(True, "是"),
    ]
    for data in (1, 2, 3):
        quick = render(QuickSelect(), grouped, data, coerce=int)
        assert quick == render(Select(), grouped, data, coerce=int)
        assert f'selected value="{data}"' in quick
