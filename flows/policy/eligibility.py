"""Which startup subsidy programmes (Art. 36–38) a founder's answers fit, and why not.

Pure: takes the subsidy flow's facts (see `flows.policy.programmes.FACT_FIELDS`) and the policy data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flows.engine.text import Localized
from flows.policy.programmes import Document, Programme
from flows.policy.schema import PolicyData


@dataclass(frozen=True)
class Assessment:
    """One programme checked against the facts; `reasons` are the failed rules' texts, in order."""

    programme: Programme
    eligible: bool
    reasons: tuple[Localized, ...]


def check(programme: Programme, facts: Mapping[str, object]) -> Assessment:
    """Check one programme's rules (an absent fact fails every rule on it)."""
    reasons = tuple(rule.fail for rule in programme.rules if not rule.holds(facts))
    return Assessment(programme, not reasons, reasons)


def assess(facts: Mapping[str, object], data: PolicyData) -> list[Assessment]:
    """Every programme in file order, each with whether the facts fit it and why not."""
    return [check(programme, facts) for programme in data.programmes]


def documents_for(
    programme: Programme, facts: Mapping[str, object], data: PolicyData
) -> list[Document]:
    """The programme's documents, in its order, whose conditions hold for the facts."""
    found = (data.document(document_id) for document_id in programme.documents)
    return [document for document in found if document.applies_to(facts)]
