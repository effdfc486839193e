"""The flows the bot offers, in menu order (unlisted ones last). A flow appears here once it
works end to end."""

from __future__ import annotations

from flows.engine.spec import FlowSpec
from flows.policy.loader import PolicyData
from flows.services import registration, supplement
from flows.services.subsidy import flow as subsidy


def all_flows(policy: PolicyData) -> list[FlowSpec]:
    """Every working flow, built against the policy data."""
    return [registration.build(policy), subsidy.build(policy), supplement.build(policy)]
