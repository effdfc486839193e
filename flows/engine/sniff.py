"""What a file is, read from its first bytes (its magic number), never from its name or the
type the client claims for it."""

from __future__ import annotations

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
HEAD_BYTES = max(len(magic) for magic, _ in SIGNATURES)


def sniff(head: bytes) -> str:
    """The MIME type the content's signature shows, or "" when it is none we know."""
    return next((mime for magic, mime in SIGNATURES if head.startswith(magic)), "")
