"""Who an announcement is for (`Audience`) and who may receive it (`Subscriber`): plain values
with a JSON form, and `matches`, the one rule that pairs them. Pure: storage keeps the
subscribers' index, the broadcaster sends."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flows.engine.address import Address

_DIMENSIONS = ("districts", "industries", "sizes", "topics")


def _codes(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(f"expected a list of codes, got {value!r}")
    return frozenset(str(code) for code in value)


@dataclass(frozen=True)
class Audience:
    """An announcement's target: district, industry and size codes of the founders' profiles and
    the topic it is about. An empty set does not restrict that dimension (any founder)."""

    districts: frozenset[str] = frozenset()
    industries: frozenset[str] = frozenset()
    sizes: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, list[str]]:
        return {name: sorted(getattr(self, name)) for name in _DIMENSIONS}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Audience:
        """The audience a `to_json` wrote (a dimension left out is unrestricted)."""
        if unknown := set(data) - set(_DIMENSIONS):
            raise ValueError(f"unknown audience dimensions {sorted(unknown)}")
        return cls(*(_codes(data.get(name)) for name in _DIMENSIONS))


@dataclass(frozen=True)
class Subscriber:
    """A founder who opted in to announcements: where to send, in which language, what their
    profile says of them (empty when it does not say) and the topics they chose (empty = all)."""

    address: Address
    lang: str
    district: str = ""
    industry: str = ""
    size: str = ""
    topics: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, Any]:
        return {
            "address": str(self.address),
            "lang": self.lang,
            "district": self.district,
            "industry": self.industry,
            "size": self.size,
            "topics": sorted(self.topics),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Subscriber:
        """The subscriber a `to_json` wrote."""
        return cls(
            Address.parse(str(data["address"])),
            str(data.get("lang") or ""),
            str(data.get("district") or ""),
            str(data.get("industry") or ""),
            str(data.get("size") or ""),
            _codes(data.get("topics")),
        )


def matches(audience: Audience, subscriber: Subscriber) -> bool:
    """Whether the announcement goes to the subscriber: each restricted profile dimension holds
    the subscriber's code (a code the profile lacks meets no restriction), and the subscriber
    chose every topic or one of the announcement's (an announcement of no topic reaches all)."""
    for wanted, have in (
        (audience.districts, subscriber.district),
        (audience.industries, subscriber.industry),
        (audience.sizes, subscriber.size),
    ):
        if wanted and have not in wanted:
            return False
    if not subscriber.topics or not audience.topics:
        return True
    return bool(subscriber.topics & audience.topics)
