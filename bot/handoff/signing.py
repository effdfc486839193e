"""Stripe-style request signatures shared by the bot and the agencies, both ways.

The header `X-SME-Signature: t=<unix seconds>,v1=<hex>` carries HMAC-SHA256 over
`b"<t>." + body` with a shared secret; the receiver checks it against each of its secrets
(two during a rotation) and rejects timestamps more than `tolerance_s` away from its clock.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Sequence
from typing import Final

SIGNATURE_HEADER: Final = "X-SME-Signature"
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
DEFAULT_TOLERANCE_S: Final = 300
MAX_HEADER: Final = 512  # t=<10 digits>,v1=<64 hex>, twice during a rotation, with room
_HEX64: Final = re.compile(r"[0-9a-f]{64}")


class SignatureError(Exception):
    """The signature header is malformed, matches none of the secrets, or is too old or new."""


def _digest(body: bytes, secret: str, timestamp: int) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The signature header value for `body`: `t=<unix>,v1=<hex>` (now, unless given)."""
    if not secret:
        raise ValueError("the signing secret is empty")
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_digest(body, secret, t)}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            raise SignatureError("malformed signature header: expected key=value pairs")
        if key == "t":
            bad = not value.isascii() or not value.isdigit() or len(value) > 12
            if timestamp is not None or bad:
                raise SignatureError("malformed signature header: bad or repeated t")
            timestamp = int(value)
        elif key == "v1":
            if not _HEX64.fullmatch(value):
                raise SignatureError("malformed signature header: v1 is not 64 hex digits")
            signatures.append(value)
        # Other schemes (v0, future v2) are ignored, as Stripe does.
    if timestamp is None or not signatures:
        raise SignatureError("malformed signature header: needs t and at least one v1")
    return timestamp, signatures


def verify(
    body: bytes,
    header: str | None,
    secrets: Sequence[str],
    *,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> None:
    """Check `header` against `body` with each secret; raise `SignatureError` unless one matches
    within `tolerance_s` seconds of `now`."""
    if not secrets or not all(secrets):
        raise ValueError("verify needs at least one non-empty secret")
    if not header:
        raise SignatureError("missing signature header")
    if len(header) > MAX_HEADER:
        raise SignatureError(f"signature header longer than {MAX_HEADER} characters")
    timestamp, signatures = _parse(header)
    matched = False
    for secret in secrets:
        expected = _digest(body, secret, timestamp)
        for candidate in signatures:
            # No early exit: every comparison is made, each in constant time.
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError("no signature matches any of the secrets")
    age = (time.time() if now is None else now) - timestamp
    if age > tolerance_s:
        raise SignatureError(f"signature timestamp is stale ({int(age)} s old)")
    if age < -tolerance_s:
        raise SignatureError(f"signature timestamp is in the future ({int(-age)} s ahead)")
