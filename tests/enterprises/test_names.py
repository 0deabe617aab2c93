"""Credit-code validation and the name keys used for search and duplicate detection."""

import pytest

from crm.enterprises.names import InvalidCreditCode, normalise_name, normalise_uscc, pinyin_initials, uscc_key


@pytest.mark.parametrize("code", ["914403001922038216", "91110000600037341L", "91340600MA2PBM9HXD"])
def test_public_examples_are_valid(app, code):
    assert normalise_uscc(code) == code


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
    with app.test_request_context(), pytest.raises(InvalidCreditCode) as refused:
        normalise_uscc(code)
    assert fragment in str(refused.value)


CODE = "91340600MA2PBM9HXD"
FULL_WIDTH = "".join(chr(ord(c) + 0xFEE0) for c in CODE)  # ９１３４…ＭＡ２ＰＢＭ９ＨＸＤ, letters too


@pytest.mark.parametrize(
    "typed",
    [
        " 91340600ma2pbm9hxd ",  # spaces and lower case
        "91340600-MA2PBM9HXD",  # the 19-character hyphenated form
        FULL_WIDTH,
        FULL_WIDTH.lower(),  # full-width lower-case letters
        "９１３４０６００ＭＡ２ＰＢＭ９ＨＸＤ",
        "9134\u30000600\u00a0MA2P\u2002BM9HXD",  # ideographic space, NBSP, en space
        "913406\u200b00MA\u200c2P\u200dBM\u20609HXD",  # zero-width space, non-joiner, joiner, word joiner
        "\ufeff91340600MA2PBM9HXD",  # a BOM from a CSV's first cell
        "91340600\u2010MA2PBM9HXD",  # hyphen
        "91340600\u2011MA2P\u2012BM9\u2013HXD",  # non-breaking hyphen, figure dash, en dash
        "91340600\u2014MA2PBM9HXD",  # em dash
        "91340600\uff0dMA2PBM9HXD",  # full-width hyphen-minus
        "91340600\u2212MA2PBM9HXD",  # minus sign
        "91340600\u00adMA2PBM9HXD",  # soft hyphen
        "91340600\tMA2PBM9HXD\n",
    ],
)
def test_every_spelling_of_a_code_becomes_the_same_18_ascii_characters(app, typed):
    code = normalise_uscc(typed)
    assert code == CODE and code.isascii() and len(code) == 18


def test_a_blank_code_is_none_and_a_wrong_one_is_refused_after_cleaning(app):
    assert (
        normalise_uscc(None) is None and normalise_uscc("") is None and normalise_uscc(" \u3000－ ") is None
    )
    with app.test_request_context(), pytest.raises(InvalidCreditCode) as refused:
        normalise_uscc("91340600-MA2PBM9HXE")  # hyphenated and a wrong check character
    assert "校验" in str(refused.value)
    with app.test_request_context(), pytest.raises(InvalidCreditCode) as refused:
        normalise_uscc("٩١٣٤٠٦٠٠MA2PBM9HXD")  # Arabic-Indic digits are digits to Python, not to the standard
    assert "I、O、Z、S、V" in str(refused.value)


def test_the_search_key_cleans_a_partial_code_the_same_way():
    assert uscc_key("９１３４－０６００ ｍａ") == "91340600MA"
    assert uscc_key("华为") == "华为" and uscc_key(None) == ""


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
