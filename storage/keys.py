"""Redis key names: prefix, schema version, founder id, record. One place builds them all."""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA = "v1"
SEPARATOR = ":"


@dataclass(frozen=True)
class KeyBuilder:
    """Builds keys like `smebot:v1:f:{42}:draft:registration` (the braces keep one founder's keys
    in one Redis Cluster slot, as the Lua scripts need)."""

    prefix: str = "smebot"

    def __post_init__(self) -> None:
        if not self.prefix or SEPARATOR in self.prefix:
            raise ValueError(f"key prefix must be non-empty and contain no {SEPARATOR!r}")

    def founder(self, user_id: int, *parts: str) -> str:
        """A key of one founder's record."""
        for part in parts:
            if not part or SEPARATOR in part:
                raise ValueError(f"bad key part {part!r}")
        return SEPARATOR.join((self.prefix, SCHEMA, "f", f"{{{int(user_id)}}}", *parts))

    def pattern(self) -> str:
        """A SCAN pattern matching every founder key of this schema."""
        return SEPARATOR.join((self.prefix, SCHEMA, "f", "*"))
