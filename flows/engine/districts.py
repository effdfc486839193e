"""Shanghai's 16 districts as data, and a forgiving lookup from what a founder types.

Accepts Chinese (simplified or traditional, with or without 区), English or pinyin, and the
names of districts merged away since 2000 (闸北, 卢湾, 南市, 南汇).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flows.engine.normalize import normalize


@dataclass(frozen=True)
class District:
    """One district: ASCII code used in data and callbacks, full official names."""

    code: str
    zh: str
    en: str

    @property
    def short_zh(self) -> str:
        """The name as on a narrow button: 黄浦, 浦东."""
        return self.zh.removesuffix("新区").removesuffix("区")

    @property
    def short_en(self) -> str:
        """The name as on a narrow button: Huangpu, Pudong."""
        return self.en.removesuffix(" New Area").removesuffix(" District")


DISTRICTS: tuple[District, ...] = (
    District("huangpu", "黄浦区", "Huangpu District"),
    District("xuhui", "徐汇区", "Xuhui District"),
    District("changning", "长宁区", "Changning District"),
    District("jingan", "静安区", "Jing'an District"),
    District("putuo", "普陀区", "Putuo District"),
    District("hongkou", "虹口区", "Hongkou District"),
    District("yangpu", "杨浦区", "Yangpu District"),
    District("minhang", "闵行区", "Minhang District"),
    District("baoshan", "宝山区", "Baoshan District"),
    District("jiading", "嘉定区", "Jiading District"),
    District("pudong", "浦东新区", "Pudong New Area"),
    District("jinshan", "金山区", "Jinshan District"),
    District("songjiang", "松江区", "Songjiang District"),
    District("qingpu", "青浦区", "Qingpu District"),
    District("fengxian", "奉贤区", "Fengxian District"),
    District("chongming", "崇明区", "Chongming District"),
)

# Names besides the code and the simplified Chinese name: traditional characters and
# former districts merged into today's (闸北 2015, 卢湾 2011, 南市 2000, 南汇 2009).
_EXTRA_NAMES: dict[str, tuple[str, ...]] = {
    "huangpu": ("黃浦", "卢湾", "盧灣", "luwan", "南市", "nanshi"),
    "xuhui": ("徐匯",),
    "changning": ("長寧",),
    "jingan": ("靜安", "闸北", "閘北", "zhabei"),
    "yangpu": ("楊浦",),
    "minhang": ("閔行",),
    "baoshan": ("寶山",),
    "pudong": ("浦東", "南汇", "南匯", "nanhui"),
    "fengxian": ("奉賢",),
}

_PREFIXES = ("上海市", "上海", "shanghai")
_SUFFIXES = ("newdistrict", "newarea", "district", "xinqu", "qu", "新区", "新區", "区", "區")
_IGNORED = re.compile(r"[\s'’‘`´.,\-_·]+")

_BY_CODE = {district.code: district for district in DISTRICTS}


def _key(text: str) -> str:
    """Fold case, accents, spaces and apostrophes: "Jìng'ān District" -> "jingandistrict"."""
    decomposed = unicodedata.normalize("NFD", normalize(text).casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _IGNORED.sub("", plain)


def _build_index() -> dict[str, District]:
    index: dict[str, District] = {}
    for district in DISTRICTS:
        short_zh = district.zh.removesuffix("新区").removesuffix("区")
        for name in (district.code, short_zh, *_EXTRA_NAMES.get(district.code, ())):
            index[_key(name)] = district
    return index


_INDEX = _build_index()


def by_code(code: str) -> District | None:
    """The district with this ASCII code, or None."""
    return _BY_CODE.get(code)


def find_district(text: str) -> District | None:
    """The district a founder means by `text` ("浦东", "Pudong New Area", "闸北"), or None."""
    key = _key(text)
    for prefix in _PREFIXES:
        if key.startswith(prefix) and key != prefix:
            key = key.removeprefix(prefix)
            break
    if key in _INDEX:
        return _INDEX[key]
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and key.removesuffix(suffix) in _INDEX:
            return _INDEX[key.removesuffix(suffix)]
    return None
