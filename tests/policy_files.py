"""Policy files for tests: the shipped data with chosen sections marked as checked by a person
(`verified_on` instead of `transcribed_on`), as an operator does once they checked them, so
the behaviour the bot has then (dates quoted, reminders offered) can be tested."""

from __future__ import annotations

import re
from pathlib import Path

from flows.policy.loader import DEFAULT_PATH

CHECKED_ON = "2026-12-01"


def checked_text(*sections: str) -> str:
    """The shipped policy file's text, every entry of `sections` marked checked."""
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    pieces = re.split(r"(?m)^(?=\[\[)", text)
    for index, piece in enumerate(pieces):
        header = re.match(r"\[\[(\w+)\]\]", piece)
        if header and header.group(1) in sections:
            pieces[index] = re.sub(
                r"(?m)^transcribed_on = .*$", f"verified_on = {CHECKED_ON}", piece
            )
    return "".join(pieces)


def checked_file(directory: Path, *sections: str) -> Path:
    """`checked_text(*sections)` written to `directory`/policy.toml."""
    path = directory / "policy.toml"
    path.write_text(checked_text(*sections), encoding="utf-8")
    return path
