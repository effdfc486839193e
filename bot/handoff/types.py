"""The shapes the hand-off pieces share: a bundle, a transport, and delivery failures."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

BUNDLE_SCHEMA_VERSION = 2  # what an agency gets unless its entry sets bundle_version
BUNDLE_VERSIONS = (1, 2)  # every version the bot can write (docs/bundle/v<n>/)
RESERVED_NAMES = frozenset({".", "..", "bundle.json", "application.pdf"})
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"/\\]')


@dataclass(frozen=True)
class Attachment:
    """A file of the bundle, fetched from the channel at delivery time."""

    name: str
    mime: str
    content: bytes
    document: str = ""


@dataclass(frozen=True)
class Bundle:
    """What one delivery carries: bundle.json, application.pdf and the attachments.

    `reference` is the idempotency key: an agency that receives it twice can tell.
    `kind` is "submission" or "supplement" (the founder's answer to a staff question).
    `delivery_id` names the outbox entry that carried it (header X-SME-Delivery), for tracing.
    `version` is bundle.json's `schema_version` (header X-SME-Bundle-Version).
    """

    reference: str
    agency: str
    bundle_json: bytes
    pdf: bytes
    attachments: tuple[Attachment, ...] = ()
    kind: str = "submission"
    delivery_id: str = field(default="")
    version: int = BUNDLE_SCHEMA_VERSION


class DeliveryFailed(Exception):
    """A delivery did not succeed. `retryable` is False for answers that a retry cannot fix
    (e.g. HTTP 400): those still go to the dead-letter stream after the retry window, but the
    worker may give up at once when `retryable` is False."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class UnsupportedBundle(ValueError):
    """The submission cannot be written in the bundle version asked for (a service version 1
    cannot carry, a service with no registered section): no retry can fix it."""


class Transport(Protocol):
    """Hands a bundle to one agency; returns on acknowledgement, raises DeliveryFailed."""

    async def deliver(self, bundle: Bundle) -> None: ...

    async def close(self) -> None:
        """Release connections kept between deliveries."""


def safe_file_names(names: Iterable[str]) -> list[str]:
    """Attachment names safe on any file system and in a multipart header: no directories or
    control characters, at most 200 bytes, unique (case-insensitively), none reserved for the
    bundle's own files; names already safe are kept. One rule for bundle.json and transports."""
    safe: list[str] = []
    taken = {name.casefold() for name in RESERVED_NAMES}
    for index, raw in enumerate(names, start=1):
        base = _UNSAFE.sub("_", raw).strip(" .") or f"file-{index}"
        stem, dot, ext = base.rpartition(".")
        if not dot or len(ext) > 16:
            stem, dot, ext = base, "", ""
        while len(f"{stem}{dot}{ext}".encode()) > 200:
            stem = stem[:-1]
        name, number = f"{stem}{dot}{ext}", 2
        while name.casefold() in taken:
            name, number = f"{stem} ({number}){dot}{ext}", number + 1
        taken.add(name.casefold())
        safe.append(name)
    return safe


class Withdrawn(Exception):
    """The submission's founder erased their data before it was delivered: it is not sent."""
