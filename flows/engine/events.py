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
    """A file the founder sent: the channel's reference to it and its metadata (not the bytes).

    `mime` is what the client claims; `sniffed` the type its content shows, filled in by the
    core before the turn ("" for a type we do not know, None when the content could not be
    read). `unique` stays the same when the same file is sent again (Telegram's
    `file_unique_id`); `sha256` is the content's digest once read.
    """

    file_id: str
    name: str
    mime: str
    size: int
    unique: str = ""
    sniffed: str | None = None
    sha256: str = ""


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
