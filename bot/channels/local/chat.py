"""The local chat: the same engine, storage and texts in a terminal, for trying every flow
without a Telegram account. Buttons are numbered; type the number to tap one."""

from __future__ import annotations

import asyncio
import mimetypes
import sys
from pathlib import Path
from typing import TextIO

from bot.core.render import RenderedMessage
from bot.core.service import ConversationService, Founder
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.outcome import Action

BANNER = """Local chat · 本地对话
  number = tap that button · 输入编号 = 点按钮   (#number when the question wants a typed answer)
  /lang en · /lang zh      /file PATH attaches a file      /quit ends
"""


class LocalChat:
    """Reads lines, turns them into events, prints the replies with numbered buttons."""

    def __init__(
        self, service: ConversationService, user_id: int, out: TextIO = sys.stdout
    ) -> None:
        self.service = service
        self.founder = Founder(user_id, None)
        self.out = out
        self.buttons: list[Action] = []
        self.typed = False

    def event_of(self, line: str) -> Event:
        """A typed line as a flow event: a button number, a file, a command or an answer."""
        pick = line[1:] if line.startswith("#") else (line if not self.typed else "")
        if pick.isdigit() and 1 <= int(pick) <= len(self.buttons):
            return Event.of_action(self.buttons[int(pick) - 1])
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
        return Event(
            EventKind.FILE,
            file=FileRef(f"local:{path.resolve()}", path.name, mime, path.stat().st_size),
        )

    async def deliver(self, messages: list[RenderedMessage], locale: str) -> None:
        for message in messages:
            self.out.write("\n" + message.text + "\n")
            if message.buttons:
                self.buttons = [b.action for row in message.buttons for b in row]
                self.typed = message.typed
                mark = "#" if message.typed else ""
                number = 0
                for row in message.buttons:
                    cells = []
                    for b in row:
                        number += 1
                        cells.append(f"[{mark}{number}] {b.label}")
                    self.out.write("  " + "   ".join(cells) + "\n")
            else:
                self.buttons, self.typed = [], False
        self.out.flush()

    async def send(self, line: str) -> None:
        await self.service.handle(self.founder, self.event_of(line), self.deliver)

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
