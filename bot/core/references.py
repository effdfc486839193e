"""Human-readable reference numbers for submissions: SUB-20261128-7Q4K9M."""

from __future__ import annotations

import secrets
from datetime import date

from storage.keys import shard_of

# Crockford's base 32: no I, L, O, U, so a reference read aloud or typed is hard to get wrong.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 6


def new_reference(today: date, prefix: str = "SUB", *, shard: int | None = None) -> str:
    """A fresh reference; storage refuses one already taken, and the caller draws again.

    With `shard`, one of that storage shard (`storage.keys.shard_of`): a founder's submission
    is drawn in the founder's shard, so that the commit writes both in one Cluster slot. The
    last character is chosen among those that land there (about two of the 32)."""
    while True:
        head = f"{prefix}-{today:%Y%m%d}-" + "".join(
            secrets.choice(ALPHABET) for _ in range(LENGTH - 1)
        )
        fits = [c for c in ALPHABET if shard is None or shard_of(head + c) == shard]
        if fits:
            return head + secrets.choice(fits)
