"""Reading one `[[agency]]` table of the agencies file: typed fields, and one-line errors that
name the file, the entry (its id, or #n from 1) and the field."""

from __future__ import annotations

from typing import NoReturn, cast


class AgencyConfigError(Exception):
    """The agencies file is unreadable or invalid; the message says where."""


class Entry:
    """Reads the fields of one `[[agency]]` table; every failure names file, entry and field."""

    def __init__(self, file: str, index: int, table: dict[str, object]) -> None:
        self.file, self.table = file, table
        ident = table.get("id")
        self.label = f"agency {ident!r}" if isinstance(ident, str) and ident else f"agency #{index}"

    def fail(self, key: str, problem: str) -> NoReturn:
        raise AgencyConfigError(f"{self.file}: {self.label}: field {key!r}: {problem}")

    def get(self, key: str, kind: type | tuple[type, ...], what: str) -> object:
        value = self.table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, kind):
            self.fail(key, f"expected {what}, got {type(value).__name__}")
        return value

    def required(self, key: str, kind: type | tuple[type, ...], what: str, why: str = "") -> object:
        value = self.get(key, kind, what)
        if value is None:
            self.fail(key, f"required{why}")
        return value

    def text(self, key: str, why: str = "") -> str:
        value = cast(str, self.required(key, str, "a string", why))
        if not value.strip():
            self.fail(key, "must not be empty")
        return value

    def items(self, key: str, kind: type, what: str, why: str = "") -> list[object]:
        value = cast(list[object], self.required(key, list, f"a list of {what}", why))
        if not value:
            self.fail(key, f"expected a non-empty list of {what}")
        for item in value:
            if isinstance(item, bool) or not isinstance(item, kind):
                self.fail(key, f"expected a list of {what}, got an item {item!r}")
        return value
