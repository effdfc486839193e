"""How the bot names its sources and offices: article citations and the receiving office."""

from __future__ import annotations

from flows.engine.districts import by_code
from flows.engine.outcome import Block
from flows.engine.text import N_, Localized, Text
from flows.policy.loader import PolicyData
from flows.policy.schema import Confidence, Policy, decides, quotable


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


def office_label(
    policy: PolicyData, office_id: str, district_code: str, grade: Confidence | None = None
) -> Text | Localized:
    """The office as a founder is shown it: one the data does not confirm (grade C, its own
    or `grade`, how sure it is that this office handles the matter) says "please confirm"."""
    name = office_name(policy, office_id, district_code)
    if decides(policy.office(office_id)) and grade in (None, "A", "B"):
        return name
    return Text(N_("{office} (please confirm)"), {"office": name})


def figure(amount: Localized, source: Block, checked: object) -> Text:
    """A quoted figure with its source and the day a person checked it."""
    return Text(
        N_("{amount} (Source: {source}, checked {date}.)"),
        {"amount": amount, "source": source, "date": Text.raw(str(checked))},
    )


def source_of(entry: Policy) -> Block:
    """An entry's source as a founder reads it: the Regulations' articles in the founder's
    language where they are the source, else the data's own wording."""
    if entry.source.startswith("Regulations Art.") and ";" not in entry.source:
        return Text(N_("the Regulations, {articles}"), {"articles": articles(entry.articles)})
    return Text.raw(entry.source)


def quoted_amount(entry: Policy) -> Text:
    """A policy's amount as the founder may see it: with its source and date when it is
    quotable, else nothing (the office tells the founder)."""
    if entry.amount is None or not quotable(entry):
        return Text.raw("")
    return figure(entry.amount, source_of(entry), entry.verified_on)
