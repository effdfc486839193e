"""SME size classification (中小企业划型标准规定, 工信部联企业〔2011〕300号) for one industry.

Tiers are tested top down (large, medium, small); the first whose thresholds all hold wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from flows.policy.schema import METRICS, Metric, Size, SmeIndustry, Thresholds

_UNITS: dict[Metric, str] = {"staff": "", "revenue": " 万元", "assets": " 万元"}


@dataclass(frozen=True)
class Comparison:
    """One threshold test that decided the size, e.g. staff 25 >= 20."""

    metric: Metric
    value: Decimal
    op: Literal[">=", "<"]
    threshold: Decimal

    def __str__(self) -> str:
        symbol = "≥" if self.op == ">=" else "<"
        return f"{self.metric} {self.value} {symbol} {self.threshold}{_UNITS[self.metric]}"


@dataclass(frozen=True)
class SizeResult:
    """The size, the comparisons that decided it, and what is missing when it is undecided.

    `size` is None only when the known figures cannot decide it; `missing` then names the
    industry's metrics that were not given (and is empty whenever `size` is set).
    """

    size: Size | None
    decided_by: tuple[Comparison, ...]
    missing: tuple[Metric, ...]

    def __str__(self) -> str:
        if self.size is None:
            return "undecided: missing " + ", ".join(self.missing)
        return f"{self.size}: " + " and ".join(map(str, self.decided_by))


def _test(
    bounds: Thresholds, values: dict[Metric, Decimal | None]
) -> tuple[list[Comparison], list[Comparison], bool]:
    """Split one tier's thresholds into met and failed comparisons; flag unknown values."""
    met: list[Comparison] = []
    failed: list[Comparison] = []
    unknown = False
    for metric, threshold in bounds.items():
        value = values[metric]
        if value is None:
            unknown = True
        elif value >= threshold:
            met.append(Comparison(metric, value, ">=", threshold))
        else:
            failed.append(Comparison(metric, value, "<", threshold))
    return met, failed, unknown


def _checked(metric: Metric, value: int | Decimal | None) -> Decimal | None:
    if value is None:
        return None
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise ValueError(f"{metric} must be a finite number >= 0, got {value!r}")
    return number


def classify(
    industry: SmeIndustry,
    *,
    staff: int | None,
    revenue_wan: Decimal | None,
    assets_wan: Decimal | None,
) -> SizeResult:
    """Classify an enterprise as large/medium/small/micro from staff, revenue and assets (万元)."""
    given = {"staff": staff, "revenue": revenue_wan, "assets": assets_wan}
    values: dict[Metric, Decimal | None] = {m: _checked(m, given[m]) for m in METRICS}
    tiers: tuple[tuple[Size, Thresholds], ...] = (
        ("large", industry.ceiling),
        ("medium", industry.medium),
        ("small", industry.small),
    )
    ruled_out: list[Comparison] = []  # why the tier above did not hold
    for size, bounds in tiers:
        met, failed, unknown = _test(bounds, values)
        if failed:
            ruled_out = failed
            continue
        if unknown:
            missing = tuple(m for m in industry.metrics if values[m] is None)
            return SizeResult(None, (), missing)
        return SizeResult(size, (*met, *ruled_out), ())
    return SizeResult("micro", tuple(ruled_out), ())
