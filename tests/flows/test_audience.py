"""Who an announcement reaches: the matching table, and both values' JSON round trip."""

from __future__ import annotations

import pytest

from flows.engine.address import Address
from flows.engine.audience import Audience, Subscriber, matches

F = frozenset
PUDONG_SMALL_IT = Subscriber(
    Address.telegram(1), "en", "pudong", "software_it", "small", F({"financing"})
)
BARE = Subscriber(Address.telegram(2), "zh_CN")  # no profile, every topic


@pytest.mark.parametrize(
    ("audience", "subscriber", "reached"),
    [
        (Audience(), PUDONG_SMALL_IT, True),
        (Audience(), BARE, True),
        (Audience(districts=F({"pudong", "jingan"})), PUDONG_SMALL_IT, True),
        (Audience(districts=F({"jingan"})), PUDONG_SMALL_IT, False),
        (Audience(districts=F({"pudong"})), BARE, False),  # no district: only unrestricted
        (Audience(industries=F({"software_it"})), PUDONG_SMALL_IT, True),
        (Audience(industries=F({"retail"})), PUDONG_SMALL_IT, False),
        (Audience(industries=F({"retail"})), BARE, False),
        (Audience(sizes=F({"micro", "small"})), PUDONG_SMALL_IT, True),
        (Audience(sizes=F({"medium"})), PUDONG_SMALL_IT, False),
        (Audience(sizes=F({"micro"})), BARE, False),
        (Audience(topics=F({"financing", "tax"})), PUDONG_SMALL_IT, True),
        (Audience(topics=F({"tax"})), PUDONG_SMALL_IT, False),
        (Audience(topics=F({"tax"})), BARE, True),  # no topics chosen: every topic
        (
            Audience(F({"pudong"}), F({"software_it"}), F({"small"}), F({"financing"})),
            PUDONG_SMALL_IT,
            True,
        ),
        (
            Audience(F({"pudong"}), F({"software_it"}), F({"micro"}), F({"financing"})),
            PUDONG_SMALL_IT,
            False,
        ),
    ],
)
def test_matching(audience: Audience, subscriber: Subscriber, reached: bool) -> None:
    assert matches(audience, subscriber) is reached


def test_json_round_trips() -> None:
    audience = Audience(F({"pudong"}), F(), F({"micro", "small"}), F({"tax"}))
    assert audience.to_json() == {
        "districts": ["pudong"],
        "industries": [],
        "sizes": ["micro", "small"],
        "topics": ["tax"],
    }
    assert Audience.from_json(audience.to_json()) == audience
    assert Audience.from_json({}) == Audience()
    for subscriber in (PUDONG_SMALL_IT, BARE, Subscriber(Address("local", "x1"), "en")):
        assert Subscriber.from_json(subscriber.to_json()) == subscriber


def test_bad_audiences_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown audience dimensions"):
        Audience.from_json({"district": ["pudong"]})
    with pytest.raises(TypeError):
        Audience.from_json({"districts": "pudong"})  # a string is not a list of codes
