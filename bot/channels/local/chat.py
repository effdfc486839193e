"""The local chat: the same engine, storage and texts in a terminal, for trying every flow
without a Telegram account. Buttons are numbered; type the number to tap one.

`LocalChannel` is the channel's way out (printing, and reading files sent as paths); every
process has one, so a worker can deliver what was sent in the local chat.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import sys
import time
from collections.abc import Sequence
from itertools import count
from pathlib import Path
from typing import TextIO

from bot.core.announcements import AnnouncementDesk
from bot.core.callbacks import Payload
from bot.core.channel import FileGone, Unreachable
from bot.core.inbound import clean
from bot.core.render import RenderedMessage
from bot.core.service import ConversationService, Founder
from flows.engine.address import Address
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.outcome import Action

log = logging.getLogger(__name__)
LOCAL = "local"
BANNER = """Local chat · 本地对话
  number = tap that button · 输入编号 = 点按钮   (#number when the question wants a typed answer)
  /lang en · /lang zh      /file PATH attaches a file      /quit ends
"""


class LocalChannel:
    """`Channel` for the terminal: prints messages with numbered buttons when it has `out`."""

    name = LOCAL

    def __init__(self, out: TextIO | None = None, files: Path | None = None) -> None:
        self.out = out
        self.files = files  # where files sent to the chat are saved (only the owner reads them)
        self.buttons: list[Payload] = []
        self.typed = False
        self._ids = count(1)

    async def send(
        self, chat: Address, messages: Sequence[RenderedMessage], *, edit: str | None = None
    ) -> list[str]:
        if self.out is None:
            raise Unreachable("the local chat is not open in this process")
        for message in messages:
            # a terminal cannot change what it printed: an edit is printed anew, marked ↻
            self.out.write(("\n↻ " if edit is not None else "\n") + message.text + "\n")
            if message.buttons:
                self.buttons = [b.action for row in message.buttons for b in row]
                self.typed = message.typed
                mark = "#" if message.typed else ""
                numbers = count(1)
                for row in message.buttons:
                    cells = [f"[{mark}{next(numbers)}] {b.label}" for b in row]
                    self.out.write("  " + "   ".join(cells) + "\n")
            else:
                self.buttons, self.typed = [], False
        self.out.flush()
        if edit is not None and len(messages) == 1:
            return [edit]  # the same message, changed
        return [str(next(self._ids)) for _ in messages]

    async def send_file(self, chat: Address, name: str, data: bytes, caption: str) -> str:
        if self.out is None:
            raise Unreachable("the local chat is not open in this process")
        where = ""
        if self.files is not None:
            self.files.mkdir(mode=0o700, parents=True, exist_ok=True)
            path = self.files / Path(name).name
            path.touch(mode=0o600)
            path.write_bytes(data)
            where = f" → {path}"
        self.out.write(f"\n📎 {name} ({len(data)} bytes){where}\n{caption}\n")
        return str(next(self._ids))

    async def fetch(self, file_id: str) -> bytes:
        """A file sent as a path (releases before channels wrote `local:<path>`)."""
        path = Path(file_id.removeprefix("local:"))
        try:
            return path.read_bytes()
        except OSError as exc:
            raise FileGone(f"local file {path.name} is gone: {type(exc).__name__}") from exc


class LocalChat:
    """Reads lines, turns them into events, and shows the replies through its channel."""

    def __init__(
        self,
        service: ConversationService,
        user_id: int | str,
        out: TextIO = sys.stdout,
        files: Path | None = None,
        desk: AnnouncementDesk | None = None,
    ) -> None:
        self.service = service
        self.desk = desk  # announcements: /news, a commissioner's /broadcasts and buttons
        self.founder = Founder(Address(LOCAL, str(user_id)), None)
        self.channel = LocalChannel(out, files)
        self.out = out
        self._updates = count(time.time_ns() // 1000)  # increasing across runs too

    def event_of(self, line: str) -> Event:
        """A typed line as a flow event: a button number, a file, a command or an answer."""
        line = clean(line)
        buttons = self.channel.buttons
        pick = line[1:] if line.startswith("#") else (line if not self.channel.typed else "")
        if pick.isdigit() and 1 <= int(pick) <= len(buttons):
            chosen = buttons[int(pick) - 1]
            if isinstance(chosen, Action):
                return Event.of_action(chosen)
        if line.startswith("/file"):
            return self._file(line[len("/file") :].strip())
        if line.startswith("/"):
            head, _, arg = line[1:].partition(" ")
            return Event.of_command(head, arg)
        return Event.of_text(line)

    def _file(self, raw_path: str) -> Event:
        path = Path(raw_path).expanduser()
        if not path.is_file():
            self.out.write(f"(no such file: {path})\n")
            return Event(EventKind.UNSUPPORTED, what="missing-file")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        where, size = str(path.resolve()), path.stat().st_size
        ref = FileRef(where, path.name, mime, size, unique=f"{where}:{size}")
        return Event(EventKind.FILE, file=ref)

    async def deliver(self, messages: list[RenderedMessage], locale: str) -> None:
        await self.channel.send(self.founder.address, messages)

    async def send(self, line: str) -> None:
        update = next(
            self._updates
        )  # so a turn whose answer was lost is recognised, as on Telegram
        event = self.event_of(line)
        if self.desk is not None and self.desk.wants(event):
            locale = await self.service.stored_locale(self.founder)
            answered, event = await self.desk.intercept(self.founder.address, event, locale)
            if answered is not None:
                await self.deliver(answered, locale)
                return
        await self.service.handle(self.founder, event, self.deliver, update)

    async def run(self, lines: TextIO = sys.stdin) -> None:
        self.out.write(BANNER)
        await self.send("/start")
        loop = asyncio.get_running_loop()
        while True:
            self.out.write("> ")
            self.out.flush()
            line = await loop.run_in_executor(None, lines.readline)
            if not line or line.strip() in ("/quit", "/exit"):
                break
            if line.strip():
                await self.send(line.strip())
