"""Bundles and one-shot deliveries shared by the transport tests (plain HTTP and TLS)."""

from __future__ import annotations

import json
import os

from bot.handoff.transports import HttpsTransport
from bot.handoff.types import Attachment, Bundle


async def deliver_once(transport: HttpsTransport, bundle: Bundle) -> None:
    """One delivery on a fresh transport, its connections closed afterwards."""
    try:
        await transport.deliver(bundle)
    finally:
        await transport.close()


def make_bundle(reference: str = "SUB-20261128-7Q4K9M", **changes: object) -> Bundle:
    document = {
        "schema_version": 2,
        "reference": reference,
        "kind": "submission",
        "service": "subsidy",
        "subsidy": {"programme": {"id": "startup_subsidy"}},
    }
    fields: dict[str, object] = {
        "reference": reference,
        "agency": "district_hrss",
        "bundle_json": json.dumps(document).encode(),
        "pdf": b"%PDF-1.7\n" + bytes(range(256)) * 40,
        "attachments": (
            Attachment("营业执照.pdf", "application/pdf", b"%PDF licence \r\n--x\r\n"),
            Attachment("../../etc/passwd", "text/plain", b"not a path"),
            Attachment("photo.jpg", "image/jpeg", os.urandom(5000)),
            Attachment("photo.jpg", "image/jpeg", b"second photo"),
        ),
        "delivery_id": "1764300000000-0",
    }
    fields.update(changes)
    return Bundle(**fields)  # type: ignore[arg-type]
