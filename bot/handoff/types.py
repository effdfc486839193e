"""The shapes the hand-off pieces share: a bundle, a transport, and delivery failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

BUNDLE_SCHEMA_VERSION = 1
STATUSES = ("submitted", "delivered", "accepted", "more_info", "rejected", "resolved")


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
    """

    reference: str
    agency: str
    bundle_json: bytes
    pdf: bytes
    attachments: tuple[Attachment, ...] = ()
    kind: str = "submission"
    delivery_id: str = field(default="")


class DeliveryFailed(Exception):
    """A delivery did not succeed. `retryable` is False for answers that a retry cannot fix
    (e.g. HTTP 400): those still go to the dead-letter stream after the retry window, but the
    worker may give up at once when `retryable` is False."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class Transport(Protocol):
    """Hands a bundle to one agency; returns on acknowledgement, raises DeliveryFailed."""

    async def deliver(self, bundle: Bundle) -> None: ...
