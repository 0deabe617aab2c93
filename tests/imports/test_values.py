"""The cell readers of the projects and arrivals imports, on the spellings found in the bureau's sheets."""

from datetime import date

import pytest

from crm.imports import values


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("15000", (15000, False)),
        ("15,000", (15000, False)),
        ("１５０００", (15000, False)),
        ("１５，０００", (15000, False)),
        ("1.5亿", (15000, False)),
        ("1.5 亿元", (15000, False)),
        ("15000万元", (15000, False)),
        ("￥8,000万", (8000, False)),
        ("1234.5", (1235, True)),
        ("0.00001亿", (0, True)),
        ("", None),
    ],
)
def test_amounts_become_whole_wan(app, raw, expected):
    assert values.amount(raw) == expected


@pytest.mark.parametrize("raw", ["很多", "1.5千万", "15000元", "-3", "1e5", "99999999999"])
def test_unreadable_or_negative_amounts_say_why(app, raw):
    with pytest.raises(ValueError):
        values.amount(raw)


def test_a_correction_may_be_negative(app):
    assert values.amount("-1,200", negative=True) == (-1200, False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11", date(2026, 11, 1)),
        ("2026年11月", date(2026, 11, 1)),
        ("2026年11月份", date(2026, 11, 1)),
        ("2026/11", date(2026, 11, 1)),
        ("2026.11", date(2026, 11, 1)),
        ("202611", date(2026, 11, 1)),
        ("２０２６年１１月", date(2026, 11, 1)),
        ("2026-11-01", date(2026, 11, 1)),
        ("2026-11-30 00:00:00", date(2026, 11, 1)),
    ],
)
def test_months_in_every_spelling(app, raw, expected):
    assert values.month(raw) == expected


@pytest.mark.parametrize("raw", ["2026-13", "11月", "上个月", "0001-01"])
def test_unreadable_months_say_why(app, raw):
    with pytest.raises(ValueError):
        values.month(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2027-01-08", date(2027, 1, 8)),
        ("2027/1/8", date(2027, 1, 8)),
        ("2027.1.8", date(2027, 1, 8)),
        ("2027年1月8日", date(2027, 1, 8)),
        ("２０２７年１月８日", date(2027, 1, 8)),
        ("20270108", date(2027, 1, 8)),
        ("2027-01-08 00:00:00", date(2027, 1, 8)),
        ("46395", date(2027, 1, 8)),  # Excel's day number, pasted as a number
    ],
)
def test_dates_in_every_spelling(app, raw, expected):
    assert values.day(raw) == expected


@pytest.mark.parametrize("raw", ["2027-02-30", "明年", "9999-01-01"])
def test_impossible_dates_say_why(app, raw):
    with pytest.raises(ValueError):
        values.day(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("东昌府区", "东昌府区"),
        ("东昌府", "东昌府区"),
        (" 东 昌 府 区 ", "东昌府区"),
        ("聊城市东昌府区", "东昌府区"),
        ("茌平县", "茌平区"),  # its name before 2019
        ("临清", "临清市"),
        ("莘县", "莘县"),
        ("高新区", "聊城高新技术产业开发区"),
        ("聊城高新区", "聊城高新技术产业开发区"),
        ("聊城高新技术产业开发区", "聊城高新技术产业开发区"),
        ("经开区", "聊城经济技术开发区"),
        ("开发区", "聊城经济技术开发区"),
        ("\u3000聊城经济技术开发区（东区）", "聊城经济技术开发区"),
        ("度假区", "江北水城旅游度假区"),
    ],
)
def test_counties_and_zones_by_the_bureaus_names(app, raw, expected):
    names = values.RegionNames()
    assert names.names[names.find(raw)] == expected


def test_unknown_places_are_not_guessed(app):
    names = values.RegionNames()
    assert names.find("火星区") is None and names.find("济南市历下区") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("框架协议", "framework"), ("投资协议书", "investment"), ("正式合同", "contract"), ("合同", "contract"),
     ("补充协议", "supplement"), ("补充合同", "supplement"), ("contract", "contract")],
)  # fmt: skip
def test_agreement_types(app, raw, expected):
    assert values.agreement(raw) == expected


def test_yes_no_provinces_and_project_names(app):
    assert [values.yes_no(v) for v in ("是", "否", "Y", "", "√")] == [True, False, True, None, True]
    assert [values.province(v) for v in ("江苏", "江苏省", "广西", "上海", "海外", "")] == [
        "江苏省", "江苏省", "广西壮族自治区", "上海市", "境外", None]  # fmt: skip
    with pytest.raises(ValueError):
        values.province("火星")
    assert values.project_key("年产１０万套精密轴承（一期）项目") == values.project_key(
        "年产10万套精密轴承(一期)"
    )
    assert values.project_key("精密轴承二期项目") != values.project_key("精密轴承一期项目")
