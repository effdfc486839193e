"""Translatable text as data: flows say *what* to show, the renderer in `bot/` translates it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(msgid: str) -> str:
    """Mark a string for extraction by Babel without translating it here."""
    return msgid


@dataclass(frozen=True)
class Text:
    """A gettext message id with its format parameters.

    Parameters may themselves be `Text` (translated first) or plain values. A `Text` with
    `literal=True` is shown as is (data that carries its own language, such as a user's answer).
    """

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    literal: bool = False

    @classmethod
    def raw(cls, value: str) -> Text:
        """Text shown verbatim, never translated."""
        return cls(value, literal=True)


def T(msgid: str, **params: Any) -> Text:
    """Shorthand for `Text(msgid, params)`; the msgid must be a literal marked with N_ or be a
    string already marked elsewhere."""
    return Text(msgid, params)


@dataclass(frozen=True)
class Localized:
    """A piece of policy data in both languages (from the data file, not from the catalogs)."""

    zh: str
    en: str

    def pick(self, locale: str) -> str:
        return self.zh if locale.startswith("zh") else self.en


def spellings(block: Text | Localized) -> dict[str, str]:
    """How a block reads, by locale, without catalogs: a msgid (our msgids are English) filled
    with its parameters, or both languages of policy data. The renderer supplies the translated
    spellings where the catalogs are loaded; this is the stand-in for pure tests."""
    if isinstance(block, Localized):
        return {"zh_CN": block.zh, "en": block.en}
    if block.literal or not block.params:
        return {"en": block.msgid}
    params = {key: _english(value) for key, value in block.params.items()}
    try:
        return {"en": block.msgid.format(**params)}
    except (KeyError, IndexError, ValueError):
        return {"en": block.msgid}


def _english(value: Any) -> str:
    if isinstance(value, (Text, Localized)):
        return spellings(value)["en"]
    if isinstance(value, (list, tuple)):
        return ", ".join(_english(v) for v in value)
    return str(value)


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# What a founder declares by confirming an application or an answer to an office (the PDF the
# office receives records it with the moment of confirmation).
DECLARATION = N_(
    "By tapping ✅ Confirm you declare that the information given is true, accurate and complete "
    "and the documents genuine, and you accept the legal consequences of any false statement."
)
