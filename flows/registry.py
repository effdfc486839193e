"""The flows the bot offers, in menu order (unlisted ones last). A flow appears here once it
works end to end."""

from __future__ import annotations

from flows import registration, subsidy, supplement
from flows.policy import PolicyData
from flows.spec import FlowSpec


def all_flows(policy: PolicyData) -> list[FlowSpec]:
    """Every working flow, built against the policy data."""
    return [registration.build(policy), subsidy.build(policy), supplement.build(policy)]
