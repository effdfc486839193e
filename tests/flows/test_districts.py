"""The 16 districts as data and the lookup from what founders type."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.engine.districts import DISTRICTS, District, by_code, find_district

CODES = (
    "huangpu",
    "xuhui",
    "changning",
    "jingan",
    "putuo",
    "hongkou",
    "yangpu",
    "minhang",
    "baoshan",
    "jiading",
    "pudong",
    "jinshan",
    "songjiang",
    "qingpu",
    "fengxian",
    "chongming",
)


def test_sixteen_districts_in_the_order_of_the_domain_notes() -> None:
    assert tuple(district.code for district in DISTRICTS) == CODES


def test_official_names() -> None:
    assert by_code("huangpu") == District("huangpu", "黄浦区", "Huangpu District")
    assert by_code("pudong") == District("pudong", "浦东新区", "Pudong New Area")
    assert by_code("jingan") == District("jingan", "静安区", "Jing'an District")
    for district in DISTRICTS:
        assert district.code.isascii() and district.code.isalpha() and district.code.islower()
        assert district.zh.endswith("区")


def test_district_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DISTRICTS[0].code = "x"  # type: ignore[misc]


@pytest.mark.parametrize("code", CODES)
def test_by_code(code: str) -> None:
    district = by_code(code)
    assert district is not None and district.code == code


@pytest.mark.parametrize("code", ["", "Pudong", "浦东", "nanhui", "shanghai"])
def test_by_code_unknown(code: str) -> None:
    assert by_code(code) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("浦东", "pudong"),
        ("浦东新区", "pudong"),
        ("上海市浦东新区", "pudong"),
        ("Pudong New Area", "pudong"),
        ("pudong new district", "pudong"),
        ("PUDONG", "pudong"),
        ("Pudong Xinqu", "pudong"),
        ("ＰＵＤＯＮＧ", "pudong"),
        ("  浦东  ", "pudong"),
        ("Jing'an", "jingan"),
        ("Jing’an", "jingan"),
        ("jingan", "jingan"),
        ("Jing An District", "jingan"),
        ("Jìng'ān", "jingan"),
        ("静安区", "jingan"),
        ("靜安", "jingan"),
        ("黄浦", "huangpu"),
        ("黄浦区", "huangpu"),
        ("Huangpu District", "huangpu"),
        ("上海黄浦", "huangpu"),
        ("Shanghai Huangpu", "huangpu"),
        ("徐汇", "xuhui"),
        ("xuhui qu", "xuhui"),
        ("闵行区", "minhang"),
        ("Chongming", "chongming"),
        # Former districts, merged into today's.
        ("闸北", "jingan"),
        ("闸北区", "jingan"),
        ("Zhabei", "jingan"),
        ("Zhabei District", "jingan"),
        ("卢湾", "huangpu"),
        ("卢湾区", "huangpu"),
        ("luwan", "huangpu"),
        ("南市", "huangpu"),
        ("南市区", "huangpu"),
        ("nanshi", "huangpu"),
        ("南汇", "pudong"),
        ("南汇区", "pudong"),
        ("Nanhui", "pudong"),
    ],
)
def test_find_district_accepts(text: str, code: str) -> None:
    district = find_district(text)
    assert district is not None and district.code == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "上海",
        "上海市",
        "Shanghai",
        "区",
        "District",
        "New Area",
        "北京市朝阳区",
        "Beijing",
        "pu",
        "浦",
        "Pudong Puxi",
        "苏州工业园区",
        "16",
    ],
)
def test_find_district_refuses(text: str) -> None:
    assert find_district(text) is None


@pytest.mark.parametrize("district", DISTRICTS, ids=lambda district: district.code)
def test_every_official_and_short_name_is_found(district: District) -> None:
    short_zh = district.zh.removesuffix("新区").removesuffix("区")
    short_en = district.en.removesuffix(" District").removesuffix(" New Area")
    for text in (
        district.zh,
        short_zh,
        district.en,
        short_en,
        district.code,
        district.en.upper(),
        short_en.lower().replace("'", ""),
        district.zh + " ",
    ):
        assert find_district(text) == district, text


@given(st.text())
def test_find_district_never_raises(text: str) -> None:
    assert find_district(text) in (None, *DISTRICTS)
