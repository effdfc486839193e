"""Reading the admins' command arguments: a Telegram user id, districts in any spelling; a
`Refusal` carries the answer to a wrong one."""

from __future__ import annotations

import re

from flows.engine.address import Address
from flows.engine.districts import District, find_district
from flows.engine.text import N_, Text

_DISTRICT_SEPARATORS = re.compile(r"[,，、;；]+")


class Refusal(ValueError):
    """A command that cannot be carried out: the msgid and parameters of the answer."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid)
        self.text = Text(msgid, dict(params))


def member_named(word: str) -> Address:
    """A Telegram user id as an address; Refusal for anything else."""
    if not (word.isascii() and word.isdigit()) or int(word) <= 0:
        raise Refusal(
            N_("“{word}” is not a Telegram user id (a number, e.g. 123456789)."),
            word=Text.raw(word[:32]),
        )
    return Address.telegram(int(word))


def districts_named(text: str) -> list[District]:
    """The districts named (comma- or space-separated, any spelling); none named is all."""
    found: list[District] = []
    for piece in (p.strip() for p in _DISTRICT_SEPARATORS.split(text) if p.strip()):
        district = find_district(piece)
        words = [district] if district is not None else [find_district(w) for w in piece.split()]
        for word, match in zip(piece.split() if district is None else [piece], words, strict=True):
            if match is None:
                raise Refusal(
                    N_(
                        "I don't know the district “{name}”. Name them like 浦东, Xuhui or "
                        "jingan, separated by commas."
                    ),
                    name=Text.raw(word[:32]),
                )
            if match not in found:
                found.append(match)
    return found
