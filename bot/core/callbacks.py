"""Button payloads on the wire: one codec for every channel, one total parser.

`a:<op>:<flow>:<step>:<value>` is a founder's action, `c:<op>:<reference>` a staff member's
action on a case (the format aiogram's `CallbackData` wrote, so buttons already sent keep
working). Telegram allows 64 bytes, and a Chinese character costs three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from flows.engine.outcome import OPS, Action

LIMIT = 64
SEPARATOR = ":"
ACTION, CASE = "a", "c"


@dataclass(frozen=True)
class CaseTap:
    """A staff button on a case: what to do (`op`, see the staff desk) and the case's reference."""

    op: str
    reference: str


Payload = Action | CaseTap


class PayloadTooLong(ValueError):
    """A button whose payload would not fit the channel's callback data."""


@lru_cache(maxsize=8192)
def pack(payload: Payload) -> str:
    """The callback data of a button; refuses a part holding the separator or over the limit."""
    parts: tuple[str, ...]
    if isinstance(payload, CaseTap):
        parts = (CASE, payload.op, payload.reference)
    else:
        parts = (ACTION, payload.op.value, payload.flow, payload.step, payload.value)
    if any(SEPARATOR in part for part in parts):
        raise ValueError(f"a callback part holds {SEPARATOR!r}: {parts!r}")
    data = SEPARATOR.join(parts)
    if len(data.encode()) > LIMIT:
        raise PayloadTooLong(f"callback data over {LIMIT} bytes: {data!r}")
    return data


_PART = re.compile(r"[A-Za-z0-9_.\-]*", re.ASCII)  # what this bot puts in a part, no more


def parse(data: str | None) -> Payload | None:
    """What a button's data means, or None for anything this bot did not send: a total
    function (Unicode digits such as ² or ①, other letters, control characters are refused)."""
    if not data or len(data) > LIMIT or not all(_PART.fullmatch(p) for p in data.split(":")):
        return None
    head, *rest = data.split(SEPARATOR)
    if head == ACTION and len(rest) == 4:
        op = OPS.get(rest[0])
        return Action(op, rest[1], rest[2], rest[3]) if op else None
    if head == CASE and len(rest) == 2 and all(rest):
        return CaseTap(rest[0], rest[1])
    return None
