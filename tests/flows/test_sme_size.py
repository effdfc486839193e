"""SME size classification per industry (工信部联企业〔2011〕300号), boundaries included."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flows.policy.loader import PolicyData, load_policy_data
from flows.policy.sme_size import Comparison, classify


@pytest.fixture(scope="module")
def data() -> PolicyData:
    return load_policy_data()


# (industry, staff, revenue 万元, assets 万元, expected size). Exactly at a threshold counts as
# meeting it ("及以上"); the ceilings are "以下", so exactly at every ceiling is large.
CASES: list[tuple[str, int | None, str | None, str | None, str]] = [
    ("agriculture", None, "49.99", None, "micro"),
    ("agriculture", None, "50", None, "small"),
    ("agriculture", None, "500", None, "medium"),
    ("agriculture", None, "19999", None, "medium"),
    ("agriculture", None, "20000", None, "large"),
    ("industry", 19, "300", None, "micro"),
    ("industry", 20, "299", None, "micro"),
    ("industry", 20, "300", None, "small"),
    ("industry", 300, "1999", None, "small"),
    ("industry", 300, "2000", None, "medium"),
    ("industry", 999, "40000", None, "medium"),
    ("industry", 1000, "39999", None, "medium"),
    ("industry", 1000, "40000", None, "large"),
    ("construction", None, "299", "300", "micro"),
    ("construction", None, "300", "300", "small"),
    ("construction", None, "6000", "4999", "small"),
    ("construction", None, "6000", "5000", "medium"),
    ("construction", None, "80000", "79999", "medium"),
    ("construction", None, "80000", "80000", "large"),
    ("wholesale", 4, "1000", None, "micro"),
    ("wholesale", 5, "1000", None, "small"),
    ("wholesale", 20, "5000", None, "medium"),
    ("wholesale", 199, "40000", None, "medium"),
    ("wholesale", 200, "40000", None, "large"),
    ("retail", 9, "100", None, "micro"),
    ("retail", 10, "100", None, "small"),
    ("retail", 50, "500", None, "medium"),
    ("retail", 300, "19999", None, "medium"),
    ("retail", 300, "20000", None, "large"),
    ("transport", 20, "199", None, "micro"),
    ("transport", 20, "200", None, "small"),
    ("transport", 300, "3000", None, "medium"),
    ("transport", 1000, "30000", None, "large"),
    ("warehousing", 19, "100", None, "micro"),
    ("warehousing", 20, "100", None, "small"),
    ("warehousing", 100, "1000", None, "medium"),
    ("warehousing", 199, "30000", None, "medium"),
    ("warehousing", 200, "30000", None, "large"),
    ("postal", 20, "99", None, "micro"),
    ("postal", 20, "100", None, "small"),
    ("postal", 300, "1999", None, "small"),
    ("postal", 300, "2000", None, "medium"),
    ("postal", 1000, "30000", None, "large"),
    ("hospitality", 9, "5000", None, "micro"),
    ("hospitality", 10, "100", None, "small"),
    ("hospitality", 100, "2000", None, "medium"),
    ("hospitality", 300, "10000", None, "large"),
    ("info_transmission", 9, "1000", None, "micro"),
    ("info_transmission", 10, "100", None, "small"),
    ("info_transmission", 100, "1000", None, "medium"),
    ("info_transmission", 1999, "100000", None, "medium"),
    ("info_transmission", 2000, "100000", None, "large"),
    ("software_it", 9, "50", None, "micro"),
    ("software_it", 10, "49.5", None, "micro"),
    ("software_it", 10, "50", None, "small"),
    ("software_it", 100, "1000", None, "medium"),
    ("software_it", 300, "10000", None, "large"),
    ("real_estate", None, "100", "1999", "micro"),
    ("real_estate", None, "100", "2000", "small"),
    ("real_estate", None, "1000", "5000", "medium"),
    ("real_estate", None, "200000", "9999", "medium"),
    ("real_estate", None, "200000", "10000", "large"),
    ("property_mgmt", 99, "500", None, "micro"),
    ("property_mgmt", 100, "500", None, "small"),
    ("property_mgmt", 300, "1000", None, "medium"),
    ("property_mgmt", 1000, "4999", None, "medium"),
    ("property_mgmt", 1000, "5000", None, "large"),
    ("leasing_services", 10, None, "99", "micro"),
    ("leasing_services", 10, None, "100", "small"),
    ("leasing_services", 100, None, "8000", "medium"),
    ("leasing_services", 299, None, "120000", "medium"),
    ("leasing_services", 300, None, "120000", "large"),
    ("other", 0, None, None, "micro"),
    ("other", 9, None, None, "micro"),
    ("other", 10, None, None, "small"),
    ("other", 100, None, None, "medium"),
    ("other", 299, None, None, "medium"),
    ("other", 300, None, None, "large"),
]


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


@pytest.mark.parametrize(("code", "staff", "revenue", "assets", "expected"), CASES)
def test_classify(
    data: PolicyData,
    code: str,
    staff: int | None,
    revenue: str | None,
    assets: str | None,
    expected: str,
) -> None:
    result = classify(
        data.industry(code), staff=staff, revenue_wan=_dec(revenue), assets_wan=_dec(assets)
    )
    assert (result.size, result.missing) == (expected, ())


def test_every_industry_has_cases_on_both_sides_of_a_threshold() -> None:
    for code in {case[0] for case in CASES}:
        sizes = {case[4] for case in CASES if case[0] == code}
        assert sizes == {"micro", "small", "medium", "large"}, code
    assert len({case[0] for case in CASES}) == 15


def test_decided_by_explains_small(data: PolicyData) -> None:
    result = classify(
        data.industry("industry"), staff=25, revenue_wan=Decimal(400), assets_wan=None
    )
    assert result.size == "small"
    assert result.decided_by[:2] == (
        Comparison("staff", Decimal(25), ">=", Decimal(20)),
        Comparison("revenue", Decimal(400), ">=", Decimal(300)),
    )
    assert str(result).startswith("small: staff 25 ≥ 20 and revenue 400 ≥ 300 万元")
    # ...and why it is not medium: revenue under the medium bound.
    assert Comparison("revenue", Decimal(400), "<", Decimal(2000)) in result.decided_by


def test_decided_by_for_large_lists_every_ceiling(data: PolicyData) -> None:
    result = classify(
        data.industry("retail"), staff=300, revenue_wan=Decimal(20000), assets_wan=None
    )
    assert [(c.metric, c.op) for c in result.decided_by] == [("staff", ">="), ("revenue", ">=")]


def test_decided_by_for_micro_names_the_failed_small_bound(data: PolicyData) -> None:
    result = classify(
        data.industry("wholesale"), staff=3, revenue_wan=Decimal(2000), assets_wan=None
    )
    assert result.size == "micro"
    assert result.decided_by == (Comparison("staff", Decimal(3), "<", Decimal(5)),)


def test_missing_metric_that_could_change_the_size(data: PolicyData) -> None:
    result = classify(data.industry("industry"), staff=500, revenue_wan=None, assets_wan=None)
    assert (result.size, result.decided_by, result.missing) == (None, (), ("revenue",))


def test_missing_metric_that_cannot_change_the_size(data: PolicyData) -> None:
    result = classify(data.industry("industry"), staff=5, revenue_wan=None, assets_wan=None)
    assert (result.size, result.missing) == ("micro", ())


def test_nothing_given(data: PolicyData) -> None:
    result = classify(data.industry("construction"), staff=None, revenue_wan=None, assets_wan=None)
    assert (result.size, result.missing) == (None, ("revenue", "assets"))


def test_metrics_the_industry_does_not_use_are_ignored(data: PolicyData) -> None:
    result = classify(
        data.industry("other"), staff=12, revenue_wan=Decimal(10**9), assets_wan=Decimal(10**9)
    )
    assert result.size == "small"
    assert all(c.metric == "staff" for c in result.decided_by)


@pytest.mark.parametrize(
    "bad", [{"staff": -1}, {"revenue_wan": Decimal("-0.5")}, {"assets_wan": Decimal("NaN")}]
)
def test_negative_or_nan_figures_are_refused(data: PolicyData, bad: dict[str, object]) -> None:
    figures: dict[str, object] = {"staff": 1, "revenue_wan": None, "assets_wan": None} | bad
    with pytest.raises(ValueError):
        classify(data.industry("construction"), **figures)  # type: ignore[arg-type]
