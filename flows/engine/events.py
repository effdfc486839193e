"""Input events, channel-neutral: what a founder did, already narrowed from the channel's types."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flows.engine.outcome import Action


class EventKind(StrEnum):
    TEXT = "text"
    ACTION = "action"
    COMMAND = "command"
    FILE = "file"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class FileRef:
    """A file the founder sent: the channel's reference to it and its metadata (not the bytes)."""

    file_id: str
    name: str
    mime: str
    size: int


@dataclass(frozen=True)
class Event:
    """One thing a founder did. `what` names an unsupported content type (sticker, voice …)."""

    kind: EventKind
    text: str = ""
    action: Action | None = None
    command: str = ""
    arg: str = ""
    file: FileRef | None = None
    what: str = ""

    @classmethod
    def of_text(cls, text: str) -> Event:
        return cls(EventKind.TEXT, text=text)

    @classmethod
    def of_action(cls, action: Action) -> Event:
        return cls(EventKind.ACTION, action=action)

    @classmethod
    def of_command(cls, command: str, arg: str = "") -> Event:
        return cls(EventKind.COMMAND, command=command.lower(), arg=arg.strip())
