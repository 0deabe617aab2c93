"""Credit-code validation and the name keys used for search and duplicate detection."""

import pytest

from crm.enterprises.names import clean_uscc, normalise_name, pinyin_initials, uscc_error


@pytest.mark.parametrize("code", ["914403001922038216", "91110000600037341L", "91340600MA2PBM9HXD"])
def test_public_examples_are_valid(app, code):
    assert uscc_error(code) is None


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("914403001922038217", "校验"),  # wrong check character
        ("91110000600037341M", "校验"),
        ("9144030019220382I6", "I、O、Z、S、V"),  # forbidden letter I
        ("91440300192203821O", "I、O、Z、S、V"),  # forbidden letter O
        ("91440300192203821", "18"),  # 17 characters
        ("9144030019220382160", "18"),  # 19 characters
    ],
)
def test_invalid_codes_say_why(app, code, fragment):
    with app.test_request_context():
        message = uscc_error(code)
    assert message is not None
    assert fragment in message


def test_clean_uscc_strips_spaces_and_uppercases():
    assert clean_uscc(" 91340600ma2pbm9hxd ") == "91340600MA2PBM9HXD"
    assert clean_uscc("") is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ABC（中国）投资有限公司", "ABC投资"),
        ("华夏钢铁集团有限公司", "华夏钢铁"),
        ("华夏钢铁股份有限公司", "华夏钢铁有限责任公司"),
        ("Delang Automotive Parts (China) Co., Ltd.", "delang automotive parts"),
    ],
)
def test_normalised_names_match(a, b):
    assert normalise_name(a) == normalise_name(b)


def test_pinyin_initials():
    assert pinyin_initials("华夏钢铁有限公司") == "hxgtyxgs"
    assert pinyin_initials("ABC科技") == "abckj"
