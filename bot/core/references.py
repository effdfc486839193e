"""Human-readable reference numbers for submissions: SUB-20261128-7Q4K9M."""

from __future__ import annotations

import secrets
from datetime import date

# Crockford's base 32: no I, L, O, U, so a reference read aloud or typed is hard to get wrong.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 6


def new_reference(today: date, prefix: str = "SUB") -> str:
    """A fresh reference; storage refuses one already taken, and the caller draws again."""
    tail = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{prefix}-{today:%Y%m%d}-{tail}"
