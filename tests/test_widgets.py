"""crm.widgets.QuickSelect writes the same HTML as WTForms' Select, only faster."""

import pytest
from wtforms import Form, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget, Select

from crm.widgets import QuickCheckboxes, QuickSelect, QuickSelectField

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


def field_pair(choices, coerce=str, **options):
    """The same select as WTForms' SelectField and as crm.widgets.QuickSelectField, in one form."""

    class F(Form):
        plain = SelectField(choices=choices, coerce=coerce, **options)
        quick = QuickSelectField(choices=choices, coerce=coerce, **options)

    return F


@pytest.mark.parametrize("data", [0, 7, 12, "a&b", None, "nope"])
def test_a_quick_field_renders_its_pairs_as_wtforms_does(data):
    form = field_pair(CHOICES)(data={"plain": data, "quick": data})
    quick = str(form.quick(class_="form-select form-select-sm", required=True))
    plain = str(form.plain(class_="form-select form-select-sm", required=True))
    assert quick.replace('name="quick"', "").replace('id="quick"', "") == plain.replace(
        'name="plain"', ""
    ).replace('id="plain"', "")
    assert quick.count("<option") == len(CHOICES)


INT_CHOICES = [(0, "全部"), (15, "东昌府区"), (16, "茌平区"), (-1, "未填写")]


@pytest.mark.parametrize("submitted", ["15", "-1", "0", "99", "abc", "", "1" * 5000])
def test_a_quick_field_accepts_and_refuses_what_wtforms_does(submitted):
    from werkzeug.datastructures import MultiDict

    form = field_pair(INT_CHOICES, coerce=int)(MultiDict({"plain": submitted, "quick": submitted}))
    form.validate()
    assert form.quick.errors == form.plain.errors
    assert form.quick.data == form.plain.data
    assert bool(form.quick.errors) == (submitted not in ("15", "-1", "0"))


def test_a_quick_field_with_groups_or_attributes_keeps_wtforms_rendering():
    grouped = [SelectChoice(1, "风电", optgroup="新能源"), SelectChoice(2, "光伏", render_kw={"data-x": "y"})]
    form = field_pair(grouped, coerce=int)(data={"plain": 2, "quick": 2})
    assert str(form.quick()).replace("quick", "f") == str(form.plain()).replace("plain", "f")
    assert "<optgroup" in str(form.quick()) and 'data-x="y"' in str(form.quick())


def test_a_refused_choice_reads_in_chinese_on_the_apps_forms(app):
    """The refusal is WTForms' message, in WTForms' Chinese catalogue, as the plain SelectField's is."""
    from werkzeug.datastructures import MultiDict

    from crm.formbase import Form as AppForm

    class F(AppForm):
        plain = SelectField(choices=INT_CHOICES, coerce=int)
        quick = QuickSelectField(choices=INT_CHOICES, coerce=int)

    with app.test_request_context("/"):
        form = F(MultiDict({"plain": "99", "quick": "99"}), meta={"csrf": False})
        form.validate()
        assert form.quick.errors == form.plain.errors
        assert form.quick.errors and all("\u4e00" <= ch <= "\u9fff" for ch in form.quick.errors[0][:2])


PEOPLE = [(3, "张晓明"), (11, '李<"四"> & 王'), (27, "Ｚｈａｎｇ　Ｓａｎ"), (40, "")]


def boxes(widget, choices, data, coerce=int, **field_args):
    class F(Form):
        field = SelectMultipleField(
            choices=choices, coerce=coerce, widget=widget, option_widget=CheckboxInput(), **field_args
        )

    return str(F(data={"field": data}).field(class_="list-unstyled checkbox-list"))


@pytest.mark.parametrize("data", [None, [], [3], [11, 40], [3, 11, 27, 40], [99]])
def test_checkboxes_are_written_exactly_as_wtforms_writes_them(data):
    ours = boxes(QuickCheckboxes(), PEOPLE, data)
    assert ours == boxes(ListWidget(prefix_label=False), PEOPLE, data)
    assert "李&lt;&#34;四&#34;&gt; &amp; 王" in ours and ours.count('type="checkbox"') == 4
    assert boxes(QuickCheckboxes(), [], data) == boxes(ListWidget(prefix_label=False), [], data)


def test_string_values_and_the_cases_wtforms_renders_itself_match_too():
    text = [("a&b", "甲"), ("c", None)]
    assert boxes(QuickCheckboxes(), text, ["a&b"], coerce=str) == boxes(
        ListWidget(prefix_label=False), text, ["a&b"], coerce=str
    )
    for args in ({"validators": [InputRequired()]}, {"render_kw": {"data-x": "1"}}):
        assert boxes(QuickCheckboxes(), PEOPLE, [3], **args) == boxes(
            ListWidget(prefix_label=False), PEOPLE, [3], **args
        )
    assert boxes(QuickCheckboxes(), [(True, "是"), (2, "否")], [2]) == boxes(
        ListWidget(prefix_label=False), [(True, "是"), (2, "否")], [2]
    )


def test_the_contact_logs_people_use_it(app):
    from crm.plans.forms import LogForm

    with app.test_request_context("/"):
        form = LogForm(meta={"csrf": False})
        form.participants.choices = [(5, "赵六"), (6, "钱七")]
        form.participants.data = [6]
        html = str(form.participants(class_="list-unstyled checkbox-list"))
    assert isinstance(form.participants.widget, QuickCheckboxes)
    assert '<li><input checked id="participants-1" name="participants" type="checkbox" value="6">' in html
