"""How the bot names its sources and offices: article citations and the receiving office."""

from __future__ import annotations

from flows.engine.districts import by_code
from flows.engine.text import N_, Localized, Text
from flows.policy.loader import PolicyData


def articles(numbers: tuple[int, ...]) -> Text:
    """'Art. 9, 38' / '第9、38条'."""
    return Text(N_("Art. {numbers}"), {"numbers": tuple(Text.raw(str(n)) for n in numbers)})


def office_name(policy: PolicyData, office_id: str, district_code: str) -> Localized:
    """The receiving office in both languages, for the founder's district when it has one."""
    office = policy.office(office_id)
    district = by_code(district_code)
    zh = office.name_for("zh_CN", district.zh if district else None)
    en = office.name_for("en", district.en if district else None)
    return Localized(zh, en)
