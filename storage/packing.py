"""Records packed for Redis: JSON as is when short, zlib-compressed when long (a draft filled
to its review is about 2.3 KB of JSON, 1.3 KB compressed). A packed record is told apart by its
first byte: JSON begins with `{` or `[`, zlib's header with 0x78, so records written before
packing read as they were."""

from __future__ import annotations

import json
import zlib
from typing import Any

PACK_ABOVE = 1024  # bytes of JSON; shorter records stay readable in redis-cli
LEVEL = 6
_ZLIB = 0x78


def pack(value: Any) -> bytes:
    """`value` as compact JSON, compressed when longer than PACK_ABOVE."""
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return zlib.compress(raw, LEVEL) if len(raw) > PACK_ABOVE else raw


def unpack(blob: bytes | str) -> str:
    """The JSON text of a record, packed or not (ValueError when a packed one is damaged)."""
    if isinstance(blob, str):
        return blob
    if blob[:1] and blob[0] == _ZLIB:
        try:
            return zlib.decompress(blob).decode("utf-8")
        except zlib.error as exc:
            raise ValueError(f"a packed record is damaged: {exc}") from None
    return blob.decode("utf-8")
