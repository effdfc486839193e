"""Catalog upkeep for `make i18n-update`: `python -m bot.i18n_tools fill-en PO` copies each
empty English msgstr from its msgid (our msgids are English), leaving edited ones alone."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def fill_english(path: Path) -> int:
    """Fill empty msgstrs of an English catalog from their msgids; the number filled."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    filled = 0
    for message in catalog:
        if message.id and not message.string:
            message.string = message.id
            filled += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    return filled


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "fill-en":
        print("usage: python -m bot.i18n_tools fill-en PATH", file=sys.stderr)
        return 2
    print(f"{fill_english(Path(argv[1]))} English messages filled")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
