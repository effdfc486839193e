"""Parsers for answers that may be right though they look wrong: the founder is asked to
confirm (✅ Use it anyway) instead of being refused."""

from __future__ import annotations

from typing import Any

from flows.engine import validators
from flows.engine.errors import NeedsConfirmation
from flows.engine.text import N_


def credit_code_answer(text: str, ctx: Any = None) -> str:
    """A unified social credit code; one failing the GB 32100 check asks for confirmation (some
    early codes fail it and are valid)."""
    del ctx
    code, checksum_ok = validators.parse_credit_code(text)
    if not checksum_ok:
        raise NeedsConfirmation(
            code,
            N_(
                "{code} does not pass the national check (GB 32100). Some codes issued early fail "
                "this check but are valid: tap ✅ Use it anyway if it matches your business "
                "licence exactly, or type it again."
            ),
            code=code,
        )
    return code
