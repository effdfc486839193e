"""Announcement topics in the policy data: every known topic once, strictly read, with its
source; articles only the Regulations' own."""

from __future__ import annotations

import tomllib

import pytest

from flows.engine.errors import PolicyDataError
from flows.policy.loader import DEFAULT_PATH, load_policy_data, parse_policy_data
from flows.policy.topics import TOPIC_IDS


def raw() -> dict[str, object]:
    with DEFAULT_PATH.open("rb") as file:
        return tomllib.load(file)


def test_every_topic_is_there_with_its_source() -> None:
    data = load_policy_data()
    assert [t.id for t in data.topics] == list(TOPIC_IDS)
    assert data.topic("financing").articles == tuple(range(21, 33))  # Ch. 4
    assert data.topic("emergency").title.zh == "应急援助"
    assert all(
        t.source and t.confidence and (t.verified_on or t.transcribed_on) for t in data.topics
    )
    with pytest.raises(KeyError):
        data.topic("lottery")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda ts: ts.pop(), "topic: missing entries emergency"),
        (lambda ts: ts[0].update(id="lottery"), "field 'id': expected one of"),
        (lambda ts: ts[0].pop("source"), "field 'source': missing"),
        (lambda ts: ts[0].update(colour="red"), "field 'colour': unknown key"),
        (lambda ts: ts[0].update(articles=[99]), "article 99 is not between"),
        (lambda ts: ts[1].update(id="subsidies"), "duplicate id 'subsidies'"),
    ],
)
def test_the_loader_is_strict(change, error) -> None:  # type: ignore[no-untyped-def]
    doc = raw()
    change(doc["topic"])
    with pytest.raises(PolicyDataError, match=error):
        parse_policy_data(doc)


def test_a_topic_may_name_no_article() -> None:
    doc = raw()
    doc["topic"][0]["articles"] = []  # type: ignore[index]
    assert parse_policy_data(doc).topics[0].articles == ()


def test_a_file_without_topics_loads() -> None:
    doc = raw()
    del doc["topic"]
    assert parse_policy_data(doc).topics == ()
