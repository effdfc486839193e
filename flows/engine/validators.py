"""Parsers for answers typed by founders: normalise the text, then return a typed value or raise
`ValidationFailed` whose msgid says what is expected and gives an example.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import TypeVar

from flows.engine.districts import find_district
from flows.engine.errors import ValidationFailed
from flows.engine.normalize import normalize
from flows.engine.text import N_

MSG_WHOLE_NUMBER = N_("Please enter a whole number, like 12.")
MSG_AT_LEAST = N_("Please enter a number of at least {minimum}, like {example}.")
MSG_AT_MOST = N_("Please enter a number of at most {maximum}, like {example}.")
MSG_AMOUNT = N_("Please enter an amount in yuan, like 12000 or 1.2万.")
MSG_AMOUNT_FEN = N_("Please enter at most two decimals (fen), like 1234.56.")
MSG_DATE = N_("Please enter a date like 2025-03-15.")
MSG_DATE_NOT_FUTURE = N_("Please enter a date no later than today, like {example}.")
MSG_YES_NO = N_("Please answer yes or no, e.g. 是 or 否.")
MSG_DISTRICT = N_("Please enter a Shanghai district, e.g. 浦东, 徐汇 or Pudong.")
MSG_TEXT_EMPTY = N_("Please type your answer as text, e.g. one short sentence.")
MSG_TEXT_SHORT = N_("Please write at least {min_len} characters, e.g. one full sentence.")
MSG_TEXT_LONG = N_(
    "Please keep it to {max_len} characters or fewer, e.g. by summarising the main facts."
)
MSG_TEXT_UNREADABLE = N_(
    "Please type your answer in words, e.g. one short sentence: emoji or punctuation alone "
    "can't be read."
)
MSG_MOBILE = N_("Please enter an 11-digit mobile number, like 13812345678.")
MSG_RESIDENT_ID = N_("Please enter the 18-character resident ID number, like 11010519491231002X.")
MSG_RESIDENT_ID_CHECK = N_(
    "This ID number does not pass its check, so it probably has a typo. "
    "A valid one looks like 11010519491231002X."
)
MSG_RESIDENT_ID_BIRTH = N_(
    "The birth date in this ID number (digits 7 to 14, like 19491231) is not a real past date."
)
MSG_CREDIT_CODE = N_(
    "Please enter the 18-character unified social credit code, like 91130600738737199K."
)

_GROUPED = r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+"
_INT = re.compile(rf"([+-]?)({_GROUPED})")
# Units a count may carry ("12人"); never 万/亿, which multiply (see parse_money).
_INT_UNITS = (
    "个人",
    "个月",
    "人",
    "名",
    "位",
    "个",
    "家",
    "户",
    "次",
    "天",
    "年",
    "月",
    "岁",
    "件",
    "项",
)
_MONEY = re.compile(
    rf"([+-]?)(?:¥|rmb|cny|人民币)?([+-]?)({_GROUPED})(?:\.([0-9]+))?"
    r"(千|万|亿)?(?:元|块钱?|人民币|rmb|cny|yuan)?整?"
)
_MULTIPLIERS = {"千": Decimal(1000), "万": Decimal(10_000), "亿": Decimal(100_000_000)}
_FEN = Decimal("0.01")
_DATES = (
    re.compile(r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"),
    re.compile(r"(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})[日号]?"),
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"),
)
_YES = frozenset(
    {
        "是",
        "是的",
        "对",
        "对的",
        "對",
        "好",
        "好的",
        "嗯",
        "嗯嗯",
        "有",
        "要",
        "需要",
        "可以",
        "行",
        "同意",
        "确认",
        "没错",
        "yes",
        "y",
        "yeah",
        "yep",
        "ok",
        "okay",
        "sure",
        "true",
        "✅",
        "👍",
    }
)
_NO = frozenset(
    {
        "否",
        "不",
        "不是",
        "不对",
        "不對",
        "不好",
        "没",
        "没有",
        "沒",
        "沒有",
        "无",
        "無",
        "不要",
        "不需要",
        "不可以",
        "不行",
        "不同意",
        "no",
        "n",
        "nope",
        "false",
        "❌",
        "👎",
    }
)
_YES_NO_TRAILING = ".!?,~。！？，～…啊呀哦吧"
_MOBILE = re.compile(r"(?:\+86|0086|86(?=[0-9]{11}$))?(1[3-9][0-9]{9})")
_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_N = TypeVar("_N", int, Decimal)
# Far above any real count or amount; 15 + 8 digits keep Decimal arithmetic (28 digits) exact.
_MAX_DIGITS, _MAX_FRACTION_DIGITS = 15, 8


def _squeeze(text: str, drop: str = "") -> str:
    """Normalise and remove every whitespace character and every character in `drop`."""
    return "".join(char for char in normalize(text) if not char.isspace() and char not in drop)


def _check_bounds(value: _N, minimum: _N, maximum: _N | None, nice: _N) -> _N:
    """Return `value` if within bounds, else refuse naming the bound and an example inside them."""
    example = max(minimum, nice if maximum is None else min(nice, maximum))
    if value < minimum:
        raise ValidationFailed(MSG_AT_LEAST, minimum=minimum, example=example)
    if maximum is not None and value > maximum:
        raise ValidationFailed(MSG_AT_MOST, maximum=maximum, example=example)
    return value


def parse_int(text: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number such as "12", "１２", "12人" or "1,200", within the bounds."""
    compact = _squeeze(text)
    for unit in _INT_UNITS:
        if compact.endswith(unit):
            compact = compact.removesuffix(unit)
            break
    match = _INT.fullmatch(compact)
    if match is None or len(match[2]) > _MAX_DIGITS:
        raise ValidationFailed(MSG_WHOLE_NUMBER)
    value = int(match[2].replace(",", ""))
    return _check_bounds(-value if match[1] == "-" else value, minimum, maximum, 12)


def parse_money(
    text: str, *, minimum: Decimal = Decimal(0), maximum: Decimal | None = None
) -> Decimal:
    """An amount in CNY yuan: "12,000", "¥3000", "RMB 3000", "1.2万", "3万元", "1.5亿"."""
    match = _MONEY.fullmatch(_squeeze(text).casefold())
    if match is None or (match[1] and match[2]):
        raise ValidationFailed(MSG_AMOUNT)
    whole, fraction = match[3].replace(",", ""), match[4] or ""
    if len(whole) > _MAX_DIGITS or len(fraction) > _MAX_FRACTION_DIGITS:
        raise ValidationFailed(MSG_AMOUNT)
    value = Decimal(f"{whole}.{fraction or 0}") * _MULTIPLIERS.get(match[5] or "", Decimal(1))
    if value != value.quantize(_FEN):
        raise ValidationFailed(MSG_AMOUNT_FEN)
    value = value.quantize(Decimal(1) if value == value.to_integral_value() else _FEN)
    if "-" in (match[1], match[2]) and value:
        value = -value
    return _check_bounds(value, minimum, maximum, Decimal(12_000))


def parse_date(text: str, *, not_future: bool = False, today: date | None = None) -> date:
    """A calendar date: "2025-03-15", "2025/3/15", "2025.3.15", "2025年3月15日", "20250315"."""
    compact = _squeeze(text)
    match = next((found for form in _DATES if (found := form.fullmatch(compact))), None)
    if match is None:
        raise ValidationFailed(MSG_DATE)
    try:
        value = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        raise ValidationFailed(MSG_DATE) from None
    today = today if today is not None else date.today()
    if not_future and value > today:
        raise ValidationFailed(MSG_DATE_NOT_FUTURE, example=today.isoformat())
    return value


def parse_yes_no(text: str) -> bool:
    """Yes or no, in Chinese or English: 是/对/好/有/yes/y → True, 否/不/不是/没有/no/n → False."""
    answer = _squeeze(text, "\ufe0f").casefold().rstrip(_YES_NO_TRAILING)
    if answer in _YES:
        return True
    if answer in _NO:
        return False
    raise ValidationFailed(MSG_YES_NO)


def parse_district(text: str) -> str:
    """The code of the Shanghai district named in Chinese, English or pinyin ("浦东" → "pudong")."""
    district = find_district(text)
    if district is None:
        raise ValidationFailed(MSG_DISTRICT)
    return district.code


def parse_free_text(
    text: str,
    *,
    max_len: int = 500,
    min_len: int = 1,
    letters: bool = False,
    too_long: str = MSG_TEXT_LONG,
    unreadable: str = MSG_TEXT_UNREADABLE,
) -> str:
    """Free text, normalised, between `min_len` and `max_len` characters long, with a letter
    or a digit in it (with `letters`, as for a name: a letter or a Chinese character). The
    field words its own refusals: `too_long` (with {max_len} and {length}) and `unreadable`."""
    value = normalize(text)
    readable = _has_letter(value) if letters else any(char.isalnum() for char in value)
    if value and not readable:
        raise ValidationFailed(unreadable)
    if len(value) < min_len:
        if value:
            raise ValidationFailed(MSG_TEXT_SHORT, min_len=min_len)
        raise ValidationFailed(MSG_TEXT_EMPTY)
    if len(value) > max_len:
        raise ValidationFailed(too_long, max_len=max_len, length=len(value))
    return value


def _has_letter(text: str) -> bool:
    """Whether the text holds a letter of any script (Chinese characters are letters)."""
    return any(unicodedata.category(char).startswith("L") for char in text)


def parse_mobile(text: str) -> str:
    """A mainland mobile number, optionally with +86/0086/86, spaces or dashes; the 11 digits."""
    match = _MOBILE.fullmatch(_squeeze(text, "-()（）"))
    if match is None:
        raise ValidationFailed(MSG_MOBILE)
    return match[1]


def mask_mobile(value: str) -> str:
    """138****5678: first 3 and last 4 digits shown."""
    return value[:3] + "*" * max(0, len(value) - 7) + value[-4:]


def resident_id_check_char(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of a resident ID number."""
    if not re.fullmatch(r"[0-9]{17}", first17):
        raise ValueError("a resident ID body is 17 ASCII digits")
    total = sum(int(char) * weight for char, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def parse_resident_id(text: str, *, today: date | None = None) -> str:
    """An 18-character resident ID with a valid check character and a real past birth date."""
    number = _squeeze(text, "-")
    number = number.upper() if number.isascii() else number
    if not _RESIDENT_ID.fullmatch(number):
        raise ValidationFailed(MSG_RESIDENT_ID)
    if resident_id_check_char(number[:17]) != number[17]:
        raise ValidationFailed(MSG_RESIDENT_ID_CHECK)
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationFailed(MSG_RESIDENT_ID_BIRTH) from None
    if birth > (today if today is not None else date.today()):
        raise ValidationFailed(MSG_RESIDENT_ID_BIRTH)
    return number


def credit_code_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a credit code."""
    if len(first17) != 17 or not all(char in _CREDIT_ALPHABET for char in first17):
        raise ValueError(f"a credit code body is 17 characters from {_CREDIT_ALPHABET}")
    total = sum(
        _CREDIT_ALPHABET.index(char) * weight
        for char, weight in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(text: str) -> tuple[str, bool]:
    """A unified social credit code, upper-cased, and whether its check character matches."""
    code = _squeeze(text, "-")
    code = code.upper() if code.isascii() else code
    if len(code) != 18 or not all(char in _CREDIT_ALPHABET for char in code):
        raise ValidationFailed(MSG_CREDIT_CODE)
    return code, credit_code_check_char(code[:17]) == code[17]
