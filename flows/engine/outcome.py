"""What the flows hand to a channel: replies made of text blocks and buttons carrying actions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flows.engine.text import Localized, Text

Block = Text | Localized


class Op(StrEnum):
    """What a button does. Values are short: they travel in 64-byte callback data."""

    MENU = "m"
    OPEN = "o"
    RESTART = "r"
    APPS = "a"
    LANG = "l"
    HELP = "h"
    PICK = "p"
    DONE = "d"
    REMOVE = "x"
    SKIP = "s"
    KEEP = "k"
    BACK = "b"
    CANCEL = "c"
    CANCEL_KEEP = "ck"
    DISCARD = "cd"
    CONTINUE = "cc"
    EDIT = "e"
    CONFIRM = "y"
    ACCEPT = "ya"
    VIEW = "v"
    SUPPLY = "sp"
    ESCALATE = "es"
    RATE = "rt"
    ERASE_ASK = "ea"
    ERASE = "er"
    REMIND = "rm"
    BC_SEND = "bx"  # a commissioner's broadcast: send now, schedule, discard, pause, resume, cancel
    BC_SCHEDULE = "bt"
    BC_DISCARD = "bd"
    BC_PAUSE = "bp"
    BC_RESUME = "br"
    BC_CANCEL = "bq"
    NEWS_OPEN = "nw"  # an announcement's link into a service (counted, then opened)
    SUBSCRIPTION = "sn"  # the announcements screen
    SUBSCRIBE = "sb"
    UNSUBSCRIBE = "ub"
    TOPIC = "tp"  # toggles one topic on the topics screen (value: the topic id)
    TOPICS = "ts"  # opens the topics screen; value "all" chooses every topic, "done" saves


OPS = {op.value: op for op in Op}


@dataclass(frozen=True)
class Action:
    """A button's meaning: an op, the flow code and step it was shown for, and a value.

    Channels carry it as they like (Telegram: typed callback data); the server re-checks
    every field of it, since a client can send any bytes.
    """

    op: Op
    flow: str = ""
    step: str = ""
    value: str = ""


@dataclass(frozen=True)
class Button:
    """A labelled action. `synonyms` are other words a founder may type for it (in either
    language; matched, never shown)."""

    label: Block
    action: Action
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """One message: text blocks shown one per paragraph, and rows of buttons.

    `replace` asks the channel to edit the message whose button was tapped instead of sending
    a new one (used for toggling multi-choice options). `typed` says the question expects a
    typed answer, so channels without buttons must not read a bare number as a button press.
    """

    blocks: tuple[Block, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False
    typed: bool = False


def rows(buttons: list[Button], columns: int) -> list[tuple[Button, ...]]:
    """Lay buttons out `columns` to a row."""
    return [tuple(buttons[i : i + columns]) for i in range(0, len(buttons), max(1, columns))]
