"""What happens to a submission after it is sent, declared once as data: its statuses, who may
change it (the delivery worker, the agency's system, its staff, the founder, a timed event)
and from which statuses. A `transitions` Machine holds the declaration, as it holds a flow's
steps, and answers whether a change is allowed; services extend the common lifecycle with
their own statuses (a complaint's `transferred`, `overdue`, `escalated`, …)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from transitions import Machine

from flows.engine.text import N_

ACTORS = ("worker", "agency", "staff", "founder", "timer")
ANY = "*"  # a change's sources: every status that is not final


@dataclass(frozen=True)
class Status:
    """One status: its id (stored, sent to agencies), its name as the founder reads it (a msgid),
    whether nothing follows it, whether the office is waiting for the founder, and whether the
    office's deadline has passed (an answer is no longer "expected by" it)."""

    id: str
    name: str
    final: bool = False
    asks_founder: bool = False
    late: bool = False


@dataclass(frozen=True)
class Change:
    """A change to `to`, allowed to `by` from `sources` (`ANY`: every status not final)."""

    to: str
    by: tuple[str, ...]
    sources: tuple[str, ...] = (ANY,)


class Lifecycle:
    """Statuses and the changes between them; `initial` is where every submission starts."""

    def __init__(
        self, statuses: Sequence[Status], changes: Sequence[Change], initial: str = "submitted"
    ) -> None:
        self.statuses = {s.id: s for s in statuses}
        self.changes = tuple(changes)
        self.initial = initial
        if len(self.statuses) != len(statuses) or initial not in self.statuses:
            raise ValueError("lifecycle: status ids must be unique and include the initial one")
        for change in self.changes:
            unknown = {change.to, *change.sources} - {*self.statuses, ANY}
            if unknown or not change.by or set(change.by) - set(ACTORS):
                raise ValueError(f"lifecycle: change to {change.to!r} names {unknown or change.by}")
        self._machine = Machine(
            model=None,
            states=list(self.statuses),
            initial=initial,
            auto_transitions=False,
            transitions=[
                {"trigger": actor, "source": source, "dest": change.to}
                for change in self.changes
                for actor in change.by
                for source in self._expand(change.sources)
            ],
        )

    def _expand(self, sources: Iterable[str]) -> list[str]:
        found: list[str] = []
        for source in sources:
            open_ = [s for s in self.statuses.values() if not s.final]
            found += [s.id for s in open_] if source == ANY else [source]
        return list(dict.fromkeys(found))

    def extend(
        self,
        statuses: Sequence[Status],
        changes: Sequence[Change],
        *,
        without: Sequence[str] = (),
    ) -> Lifecycle:
        """This lifecycle with a service's own statuses and changes added, and the statuses
        `without` (and every change to them) left out: a service's own word replaces one."""
        kept = [s for s in self.statuses.values() if s.id not in without]
        others = [c for c in self.changes if c.to not in without]
        return Lifecycle([*kept, *statuses], [*others, *changes])

    def sources(self, to: str, actor: str) -> tuple[str, ...]:
        """The statuses from which `actor` may change a submission to `to` (none: never)."""
        if to not in self.statuses or actor not in ACTORS:
            return ()
        transitions = self._machine.get_transitions(trigger=actor, dest=to)
        return tuple(dict.fromkeys(t.source for t in transitions))

    def allowed(self, current: str, to: str, actor: str) -> bool:
        return current in self.sources(to, actor)

    def settable_by(self, actor: str) -> tuple[str, ...]:
        """The statuses `actor` may set from somewhere (what an agency may report)."""
        return tuple(s for s in self.statuses if self.sources(s, actor))

    def next_for(self, current: str, actor: str) -> tuple[str, ...]:
        """The statuses `actor` may change a submission in `current` to (staff buttons)."""
        return tuple(s for s in self.statuses if current in self.sources(s, actor))

    @cached_property
    def names(self) -> dict[str, str]:
        """Status id → its name (a msgid)."""
        return {s.id: s.name for s in self.statuses.values()}

    def asks_founder(self, status: str) -> bool:
        found = self.statuses.get(status)
        return found is not None and found.asks_founder


# Every service's submissions: sent by the worker; the agency (its system or its staff)
# accepts, asks for more (the founder's answer, once delivered, makes it `supplied`), rejects
# or resolves; a rejected or resolved case is closed.
APPLICATION = Lifecycle(
    [
        Status("submitted", N_("submitted")),
        Status("delivered", N_("delivered to the office")),
        Status("accepted", N_("accepted")),
        Status("more_info", N_("more information requested"), asks_founder=True),
        Status("supplied", N_("more information sent")),
        Status("rejected", N_("rejected"), final=True),
        Status("resolved", N_("resolved"), final=True),
    ],
    [
        # the agency may answer before the worker records its delivery: then it is not recorded
        Change("delivered", ("worker",), ("submitted",)),
        Change("accepted", ("agency", "staff")),
        Change("more_info", ("agency", "staff")),
        Change("rejected", ("agency", "staff")),
        Change("resolved", ("agency", "staff")),
        # the founder's answer delivered; staff may have acted before its delivery is recorded
        Change("supplied", ("founder",), ("more_info", "supplied")),
    ],
)
