"""Validators: every accepted and refused form, plus properties over random input."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.engine import validators as v
from flows.engine.errors import ValidationFailed
from flows.engine.normalize import normalize

TODAY = date(2025, 6, 1)
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015, from the domain notes
ID_CHECK_CHARS = "0123456789X"


def gives_example(msgid: str) -> bool:
    return bool(re.search(r"[0-9]|e\.g\.|like", msgid))


def refused(parse: Callable[..., object], text: str, **kwargs: Any) -> ValidationFailed:
    """Call the parser, expect a refusal that explains itself with an example, return it."""
    with pytest.raises(ValidationFailed) as info:
        parse(text, **kwargs)
    error = info.value
    assert gives_example(error.msgid), error.msgid
    error.msgid.format(**error.params)  # every placeholder has its param
    return error


def test_every_msgid_gives_an_example() -> None:
    msgids = [value for name, value in vars(v).items() if name.startswith("MSG_")]
    assert len(msgids) == len(set(msgids)) == 18
    for msgid in msgids:
        assert gives_example(msgid), msgid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("１２", 12),
        ("12人", 12),
        ("12 人", 12),
        ("1,200", 1200),
        ("1，200", 1200),
        ("1 200", 1200),
        (" 0 ", 0),
        ("+7", 7),
        ("3个月", 3),
        ("5家", 5),
        ("007", 7),
    ],
)
def test_parse_int_accepts(text: str, expected: int) -> None:
    assert v.parse_int(text) == expected


@pytest.mark.parametrize(
    "text", ["", "abc", "12.5", "1.0", "1,20", "12,0000", "12万", "十二", "1e3", "12-3", "9" * 40]
)
def test_parse_int_refuses(text: str) -> None:
    assert refused(v.parse_int, text).msgid == v.MSG_WHOLE_NUMBER


def test_parse_int_bounds() -> None:
    error = refused(v.parse_int, "-3")
    assert (error.msgid, error.params) == (v.MSG_AT_LEAST, {"minimum": 0, "example": 12})
    error = refused(v.parse_int, "5", minimum=20)
    assert (error.msgid, error.params) == (v.MSG_AT_LEAST, {"minimum": 20, "example": 20})
    error = refused(v.parse_int, "150", maximum=100)
    assert (error.msgid, error.params) == (v.MSG_AT_MOST, {"maximum": 100, "example": 12})
    error = refused(v.parse_int, "11", minimum=1, maximum=10)
    assert (error.msgid, error.params) == (v.MSG_AT_MOST, {"maximum": 10, "example": 10})
    assert v.parse_int("-3", minimum=-5) == -3
    assert v.parse_int("100", maximum=100) == 100


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,000", "12000"),
        ("12000", "12000"),
        ("1.2万", "12000"),
        ("3万元", "30000"),
        ("¥3000", "3000"),
        ("￥3000", "3000"),
        ("3000元", "3000"),
        ("RMB 3000", "3000"),
        ("rmb3000", "3000"),
        ("CNY3000", "3000"),
        ("3000 CNY", "3000"),
        ("300万", "3000000"),
        ("1.5亿", "150000000"),
        ("3千", "3000"),
        ("3000块", "3000"),
        ("人民币3万元", "30000"),
        ("3 0 0 0", "3000"),
        ("１２，０００", "12000"),
        ("1,234.56", "1234.56"),
        ("0.5", "0.50"),
        ("1。2万", "12000"),
        ("1.234567万", "12345.67"),
        ("0", "0"),
        ("3000元整", "3000"),
    ],
)
def test_parse_money_accepts(text: str, expected: str) -> None:
    value = v.parse_money(text)
    assert value == Decimal(expected)
    assert str(value) == expected  # whole yuan without decimals, otherwise to the fen


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "2k",
        "3w",
        "$3000",
        "3000美元",
        "12,00",
        "¥",
        "万",
        "1..2",
        "1.2.3",
        "三千",
        "3万5千",
        "--3",
        "-¥-3",
        "1" * 20,
    ],
)
def test_parse_money_refuses(text: str) -> None:
    assert refused(v.parse_money, text).msgid == v.MSG_AMOUNT


@pytest.mark.parametrize("text", ["1.234", "0.001", "1.2345678万"])
def test_parse_money_refuses_fractions_of_a_fen(text: str) -> None:
    assert refused(v.parse_money, text).msgid == v.MSG_AMOUNT_FEN


def test_parse_money_bounds() -> None:
    for text in ("-3000", "-¥3000", "¥-3000"):
        error = refused(v.parse_money, text)
        assert (error.msgid, error.params["minimum"]) == (v.MSG_AT_LEAST, Decimal(0))
    error = refused(v.parse_money, "600万", maximum=Decimal(5_000_000))
    assert (error.msgid, error.params["maximum"]) == (v.MSG_AT_MOST, Decimal(5_000_000))
    assert v.parse_money("500万", maximum=Decimal(5_000_000)) == Decimal(5_000_000)
    assert v.parse_money("-0") == 0


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-15",
        "2025/3/15",
        "2025.3.15",
        "2025年3月15日",
        "2025年03月15号",
        "2025年3月15",
        "20250315",
        "２０２５－０３－１５",
        "2025。3。15",
        " 2025 - 03 - 15 ",
    ],
)
def test_parse_date_accepts(text: str) -> None:
    assert v.parse_date(text) == date(2025, 3, 15)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2025-02-30",
        "2025-13-01",
        "2025-00-10",
        "2025-3/15",
        "15/03/2025",
        "2025年2月30日",
        "20250230",
        "2025315",
        "明天",
        "0000-01-01",
        "2025-03",
    ],
)
def test_parse_date_refuses(text: str) -> None:
    assert refused(v.parse_date, text).msgid == v.MSG_DATE


def test_parse_date_not_future() -> None:
    error = refused(v.parse_date, "2025-06-02", not_future=True, today=TODAY)
    assert (error.msgid, error.params) == (v.MSG_DATE_NOT_FUTURE, {"example": "2025-06-01"})
    assert v.parse_date("2025-06-01", not_future=True, today=TODAY) == TODAY
    assert v.parse_date("2030-01-01", today=TODAY) == date(2030, 1, 1)
    assert v.parse_date("1999-12-31", not_future=True) == date(1999, 12, 31)


@pytest.mark.parametrize(
    "text",
    [
        "是",
        "是的",
        "对",
        "好",
        "好的",
        "好吧",
        "嗯",
        "有",
        "要",
        "可以",
        "yes",
        "YES",
        "Yes!",
        "y",
        "ok",
        "OK",
        "是！",
        "对。",
        "ｙｅｓ",
        "👍",
        "✅",
    ],
)
def test_parse_yes(text: str) -> None:
    assert v.parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "否",
        "不",
        "不是",
        "没有",
        "没",
        "不要",
        "不对",
        "不是！",
        "❌",
        "no",
        "No.",
        "n",
        "N",
        "nope",
    ],
)
def test_parse_no(text: str) -> None:
    assert v.parse_yes_no(text) is False


@pytest.mark.parametrize("text", ["", "是否", "maybe", "也许", "yes no", "1", "好不好"])
def test_parse_yes_no_refuses(text: str) -> None:
    assert refused(v.parse_yes_no, text).msgid == v.MSG_YES_NO


@pytest.mark.parametrize(
    ("text", "code"),
    [("浦东", "pudong"), ("徐汇区", "xuhui"), ("Jing'an", "jingan"), ("闸北", "jingan")],
)
def test_parse_district_accepts(text: str, code: str) -> None:
    assert v.parse_district(text) == code


@pytest.mark.parametrize("text", ["", "北京", "Pudong Puxi"])
def test_parse_district_refuses(text: str) -> None:
    assert refused(v.parse_district, text).msgid == v.MSG_DISTRICT


def test_parse_free_text() -> None:
    typed = "  我们被 　强制 收费，  没有发票。 "
    assert v.parse_free_text(typed) == "我们被 强制 收费， 没有发票。"
    assert v.parse_free_text("第一条\n\n\n 第二条") == "第一条\n第二条"
    assert v.parse_free_text("x" * 500) == "x" * 500
    assert v.parse_free_text("", min_len=0) == ""
    assert refused(v.parse_free_text, " \u3000 ").msgid == v.MSG_TEXT_EMPTY
    error = refused(v.parse_free_text, "太短", min_len=5)
    assert (error.msgid, error.params) == (v.MSG_TEXT_SHORT, {"min_len": 5})
    error = refused(v.parse_free_text, "x" * 501)
    assert (error.msgid, error.params) == (v.MSG_TEXT_LONG, {"max_len": 500, "length": 501})
    error = refused(v.parse_free_text, "abcdef", max_len=5)
    assert error.params == {"max_len": 5, "length": 6}


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "+86 138 1234 5678",
        "+8613812345678",
        "0086-138-1234-5678",
        "8613812345678",
        "138-1234-5678",
        "１３８１２３４５６７８",
        "(+86) 13812345678",
        "（+86）13812345678",
    ],
)
def test_parse_mobile_accepts(text: str) -> None:
    assert v.parse_mobile(text) == "13812345678"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "12812345678",
        "1381234567",
        "138123456789",
        "+85213812345678",
        "+8612812345678",
        "021-12345678",
        "86 1381234567",
        "+1 13812345678",
    ],
)
def test_parse_mobile_refuses(text: str) -> None:
    assert refused(v.parse_mobile, text).msgid == v.MSG_MOBILE


def with_check(first17: str) -> str:
    return first17 + v.resident_id_check_char(first17)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        ("440524188001010014", "440524188001010014"),
        (" 110105 19491231 002X ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
    ],
)
def test_parse_resident_id_accepts(text: str, expected: str) -> None:
    assert v.parse_resident_id(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "msgid"),
    [
        ("130402198207290622", v.MSG_RESIDENT_ID_CHECK),
        ("110105194912310021", v.MSG_RESIDENT_ID_CHECK),
        ("", v.MSG_RESIDENT_ID),
        ("11010519491231002", v.MSG_RESIDENT_ID),
        ("11010519491231002XX", v.MSG_RESIDENT_ID),
        ("1101051949123100X2", v.MSG_RESIDENT_ID),
        ("11010519491231002Y", v.MSG_RESIDENT_ID),
        ("110105491231002", v.MSG_RESIDENT_ID),
        (with_check("11010520250230001"), v.MSG_RESIDENT_ID_BIRTH),
        (with_check("11010519491300001"), v.MSG_RESIDENT_ID_BIRTH),
        (with_check("11010520250602001"), v.MSG_RESIDENT_ID_BIRTH),
    ],
)
def test_parse_resident_id_refuses(text: str, msgid: str) -> None:
    assert refused(v.parse_resident_id, text, today=TODAY).msgid == msgid


def test_resident_id_birth_date_may_be_today() -> None:
    number = with_check("11010520250601001")
    assert v.parse_resident_id(number, today=TODAY) == number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("91130600738737199K", ("91130600738737199K", True)),
        ("91130600738737199k", ("91130600738737199K", True)),
        ("9113 0600 7387 3719 9K", ("91130600738737199K", True)),
        ("９１１３０６００７３８７３７１９９Ｋ", ("91130600738737199K", True)),
        ("91130600738737199A", ("91130600738737199A", False)),
    ],
)
def test_parse_credit_code_accepts(text: str, expected: tuple[str, bool]) -> None:
    assert v.parse_credit_code(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "91130600738737199",
        "91130600738737199KK",
        "9113060073873719IK",
        "9113060073873719OK",
        "9113060073873719SK",
        "9113060073873719VK",
        "9113060073873719ZK",
        "91130600738737199号",
    ],
)
def test_parse_credit_code_refuses(text: str) -> None:
    assert refused(v.parse_credit_code, text).msgid == v.MSG_CREDIT_CODE


@pytest.mark.parametrize(
    "body", ["", "1234567890123456", "123456789012345678", "1234567890123456X"]
)
def test_resident_id_check_char_wants_17_digits(body: str) -> None:
    with pytest.raises(ValueError):
        v.resident_id_check_char(body)


@pytest.mark.parametrize("body", ["", "9113060073873719", "9113060073873719I", "9113060073873719a"])
def test_credit_code_check_char_wants_17_code_chars(body: str) -> None:
    with pytest.raises(ValueError):
        v.credit_code_check_char(body)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１２３", "123"),
        ("ＡＢｃ", "ABc"),
        ("　浦东　", "浦东"),
        ("a \t\u3000 b", "a b"),
        ("a \n\n b", "a\nb"),
        ("1，200", "1,200"),
        ("1。5万", "1.5万"),
        ("你好，世界。", "你好，世界。"),
        ("（注）：是！", "（注）：是！"),
        ("￥３０００", "¥3000"),
        ("１．５", "1.5"),
        ("＋８６", "+86"),
        ("a\u200bb", "ab"),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


# Text built from the characters the parsers care about, so random input reaches deep branches.
PARSER_ALPHABET = (
    string.digits
    + "０１２３４５６７８９xXkK.,，。-+/ ()（）　\n"
    + "年月日号万亿千元块¥￥人个是否不对yesno浦东区"
)
random_text = st.one_of(st.text(), st.text(alphabet=PARSER_ALPHABET, max_size=25))
PARSERS: list[Callable[[str], object]] = [
    v.parse_int,
    lambda text: v.parse_int(text, minimum=-10, maximum=100),
    v.parse_money,
    lambda text: v.parse_money(text, maximum=Decimal(1_000_000)),
    v.parse_date,
    lambda text: v.parse_date(text, not_future=True, today=TODAY),
    v.parse_yes_no,
    v.parse_district,
    v.parse_free_text,
    lambda text: v.parse_free_text(text, max_len=10, min_len=3),
    v.parse_mobile,
    lambda text: v.parse_resident_id(text, today=TODAY),
    v.parse_credit_code,
]


@settings(max_examples=300)
@given(random_text)
def test_parsers_return_or_refuse_never_crash(text: str) -> None:
    for parse in PARSERS:
        try:
            parse(text)
        except ValidationFailed as error:
            assert gives_example(error.msgid), error.msgid
            error.msgid.format(**error.params)


@given(
    region=st.from_regex(r"[0-9]{6}", fullmatch=True),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sequence=st.from_regex(r"[0-9]{3}", fullmatch=True),
)
def test_generated_resident_ids(region: str, birth: date, sequence: str) -> None:
    number = with_check(region + birth.strftime("%Y%m%d") + sequence)
    assert v.parse_resident_id(number, today=TODAY) == number
    assert v.parse_resident_id(number.lower(), today=TODAY) == number
    for other in ID_CHECK_CHARS.replace(number[17], ""):
        error = refused(v.parse_resident_id, number[:17] + other, today=TODAY)
        assert error.msgid == v.MSG_RESIDENT_ID_CHECK


@given(st.text(alphabet=CREDIT_ALPHABET, min_size=17, max_size=17))
def test_generated_credit_codes(body: str) -> None:
    code = body + v.credit_code_check_char(body)
    assert v.parse_credit_code(code) == (code, True)
    assert v.parse_credit_code(code.lower()) == (code, True)
    for other in CREDIT_ALPHABET.replace(code[17], ""):
        assert v.parse_credit_code(body + other) == (body + other, False)


NORMALIZE_ALPHABET = PARSER_ALPHABET + "：；！？ＡＺａｚ\u200b\ufeff\r\x0b\u2028"


@given(st.one_of(st.text(), st.text(alphabet=NORMALIZE_ALPHABET)))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert all(char in "，：；！？（）" or not 0xFF01 <= ord(char) <= 0xFF5E for char in once)
