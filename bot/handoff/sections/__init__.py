"""Every service's section of a version 2 bundle, registered in one place.

A new service adds a module here with its `Section` (a builder of `{...}` under the service's
key), its schema `docs/bundle/v2/<service>.schema.json` (referenced from the common schema's
`allOf`), and its entry in `SECTIONS`. `tests/bot/test_bundle_v2.py` checks that each has both.

A service whose bundle carries a file the bot writes itself (the credit repair's commitment
letter) gives its `Section` `documents(source, font) -> tuple[Attachment, ...]`: `build_bundle`
calls it with the same `SectionSource` as `build`, before bundle.json is made, and delivers
the files after the founder's own, listed in `attachments` with their size and SHA-256 (the
document id's name for application.pdf goes in `bot.handoff.wording.DOCUMENTS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bot.handoff.sections.base import (
    COMMON_KEYS,
    PERSONAL_ANSWERS,
    SERVICE_ID,
    Section,
    SectionBuilder,
    SectionDocuments,
    SectionSource,
)
from bot.handoff.sections.complaint import COMPLAINT
from bot.handoff.sections.credit import CREDIT
from bot.handoff.sections.subsidy import SUBSIDY
from bot.handoff.types import UnsupportedBundle

__all__ = [
    "PERSONAL_ANSWERS", "SECTIONS", "Section", "SectionBuilder", "SectionDocuments",
    "SectionSource", "Sections",
]  # fmt: skip


class Sections:
    """The registry: service id -> its `Section`; a duplicate or malformed id is refused."""

    def __init__(self, sections: Iterable[Section]) -> None:
        self._by_service: dict[str, Section] = {}
        for section in sections:
            if not SERVICE_ID.fullmatch(section.service) or section.service in COMMON_KEYS:
                raise ValueError(f"bundle section {section.service!r}: not a service id")
            if section.service in self._by_service:
                raise ValueError(f"bundle section {section.service!r}: registered twice")
            self._by_service[section.service] = section

    def __getitem__(self, service: str) -> Section:
        """The service's section; `UnsupportedBundle` when none is registered."""
        try:
            return self._by_service[service]
        except KeyError:
            raise UnsupportedBundle(f"no bundle section is registered for {service!r}") from None

    def __iter__(self) -> Iterator[Section]:
        return iter(self._by_service.values())

    def adding(self, *sections: Section) -> Sections:
        """A registry with these sections too (tests add a service this way)."""
        return Sections([*self, *sections])


SECTIONS = Sections([SUBSIDY, COMPLAINT, CREDIT])
