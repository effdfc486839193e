"""The complaint categories of the policy data: the list the brief names, references that
exist, an explanation that fits one screen and states no figure, strict parsing."""

from __future__ import annotations

import re
import tomllib

import pytest

from flows.engine.errors import PolicyDataError
from flows.policy.loader import DEFAULT_PATH, load_policy_data, parse_policy_data
from flows.policy.schema import quotable

POLICY = load_policy_data()


def doc() -> dict:
    return tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_the_categories_and_their_articles():
    found = {c.id: c.articles for c in POLICY.complaint_categories}
    assert found == {
        "arrears": (54,),
        "forced_charges": (54,),
        "forced_activities": (54,),
        "association_fees": (15,),
        "inspections": (57,),
        "market_access": (5,),
        "official_misconduct": (65,),
        "other": (54, 59),
    }
    assert [c.id for c in POLICY.complaint_categories if c.arrears] == ["arrears"]


def test_each_category_names_its_office_channels_and_deadline():
    for c in POLICY.complaint_categories:
        POLICY.office(c.office)
        assert {POLICY.link(link).url for link in c.channels} == {
            "https://ssme.sh.gov.cn",
            "tel:12345",
        }
        POLICY.deadline(c.deadline)
    assert POLICY.complaint_category("arrears").deadline == "arrears_decision"
    assert not quotable(POLICY.complaint_category("arrears"))  # the 2025 law is transcribed


def test_explanations_state_no_figure():
    digits = re.compile(r"[0-9０-９]")  # article numbers and the hotline's name aside
    for c in POLICY.complaint_categories:
        assert not digits.search(c.expect.zh.replace("12345", "")), c.id
        assert not digits.search(re.sub(r"Art\. [0-9]+|12345", "", c.expect.en)), c.id


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"office": "nowhere"}, "unknown office 'nowhere'"),
        ({"channels": ["nowhere"]}, "unknown link 'nowhere'"),
        ({"deadline": "never"}, "unknown deadline 'never'"),
        ({"articles": [67]}, "article 67 is not between 1 and 66"),
        ({"expect": {"zh": "长" * 901, "en": "x"}}, "expect.zh': 901 characters; at most 900"),
        ({"colour": "red"}, "'colour': unknown key"),
    ],
)
def test_a_malformed_category_is_refused_naming_it(change, problem):
    data = doc()
    data["complaint_category"][1] |= change
    with pytest.raises(PolicyDataError, match=re.escape(problem)) as refused:
        parse_policy_data(data)
    assert "complaint_category 'forced_charges'" in str(refused.value)


def test_arrears_needs_the_payment_terms():
    data = doc()
    del data["payment_term"]
    with pytest.raises(PolicyDataError, match="arrears needs payment_term"):
        parse_policy_data(data)
