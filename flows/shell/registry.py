"""The services the bot offers and the menu that lists them. A service appears here once it works
end to end; a new one is a module (or package) under `flows/services/` with a `build(policy)`,
added to `SERVICES`, and to `MENU` if founders open it from the services menu.

The registry checks itself: two services with one id or code, or a menu entry naming no
service, stop start-up with one line naming it (`RegistryError`), never a silent drop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from flows.engine.errors import FlowError
from flows.engine.spec import FlowSpec
from flows.policy.loader import PolicyData
from flows.services import followup, registration, supplement
from flows.services.announce import flow as announce
from flows.services.complaint import flow as complaint
from flows.services.credit import flow as credit
from flows.services.subsidy import flow as subsidy

Build = Callable[[PolicyData], FlowSpec]
SERVICES: tuple[Build, ...] = (
    registration.build,
    subsidy.build,
    complaint.build,
    credit.build,
    supplement.build,
    followup.build_escalation,
    followup.build_rating,
    announce.build,
)
MENU = (
    "registration",
    "subsidy",
    "complaint",
    "credit",
)  # the services menu, in order; the others open from elsewhere


class RegistryError(FlowError):
    """The services or the menu do not fit together; the message names the entry."""


def registry(specs: Sequence[FlowSpec], menu: Sequence[str]) -> list[FlowSpec]:
    """The services in menu order (the unlisted last), each `listed` as the menu says."""
    by_id: dict[str, FlowSpec] = {}
    codes: dict[str, str] = {}
    for spec in specs:
        if spec.id in by_id:
            raise RegistryError(f"two services are named {spec.id!r}")
        if spec.code in codes:
            raise RegistryError(
                f"services {codes[spec.code]!r} and {spec.id!r} share code {spec.code!r}"
            )
        by_id[spec.id], codes[spec.code] = spec, spec.id
    for entry in menu:
        if entry not in by_id:
            raise RegistryError(f"menu entry {entry!r} names no service")
    if len(set(menu)) != len(menu):
        raise RegistryError(f"the menu lists a service twice: {list(menu)!r}")
    listed = [replace(by_id[entry], listed=True) for entry in menu]
    others = [replace(spec, listed=False) for spec in specs if spec.id not in menu]
    return listed + others


def all_flows(policy: PolicyData) -> list[FlowSpec]:
    """Every working service, built against the policy data, in menu order."""
    return registry([build(policy) for build in SERVICES], MENU)
