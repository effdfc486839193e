"""Which startup subsidy programmes (Art. 36–38) a founder's answers fit, and why not.

Pure: takes the subsidy flow's facts (see `flows.policy.programmes.FACT_FIELDS`) and the policy data.

One rule for how sure the bot may be (the policy file's header says the same): a failed rule of
grade A or B makes a programme *ineligible*; a failed rule of grade C alone never does: the
programme *may apply*, and the founder is sent to the office to confirm. A programme whose
rules all hold is *eligible*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from flows.engine.text import Localized
from flows.policy.programmes import Document, Programme
from flows.policy.schema import PolicyData, decides

Status = Literal["eligible", "confirm", "ineligible"]


@dataclass(frozen=True)
class Assessment:
    """One programme checked against the facts. `reasons` are the failed rules that decide
    (grade A or B), `unconfirmed` those that cannot decide alone (grade C), each in order."""

    programme: Programme
    reasons: tuple[Localized, ...]
    unconfirmed: tuple[Localized, ...] = ()

    @property
    def status(self) -> Status:
        if self.reasons:
            return "ineligible"
        return "confirm" if self.unconfirmed else "eligible"

    @property
    def eligible(self) -> bool:
        """Every rule holds."""
        return self.status == "eligible"

    @property
    def may_apply(self) -> bool:
        """Nothing the bot can rely on rules it out: eligible, or to confirm with the office."""
        return self.status != "ineligible"


def check(programme: Programme, facts: Mapping[str, object]) -> Assessment:
    """Check one programme's rules (an absent fact fails every rule on it)."""
    failed = [rule for rule in programme.rules if not rule.holds(facts)]
    return Assessment(
        programme,
        tuple(rule.fail for rule in failed if decides(rule)),
        tuple(rule.fail for rule in failed if not decides(rule)),
    )


def assess(facts: Mapping[str, object], data: PolicyData) -> list[Assessment]:
    """Every programme in file order, each with whether the facts fit it and why not."""
    return [check(programme, facts) for programme in data.programmes]


def documents_for(
    programme: Programme, facts: Mapping[str, object], data: PolicyData
) -> list[Document]:
    """The programme's documents, in its order, whose conditions hold for the facts."""
    found = (data.document(document_id) for document_id in programme.documents)
    return [document for document in found if document.applies_to(facts)]
