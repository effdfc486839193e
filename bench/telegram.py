"""Telegram without a network: what a bot sent and the Bot API's canned answers (`Recorder`), an
aiogram session answering from it (PTB's request is in `bench/ptb_telegram.py`), and the updates
a founder's client would send. Each call yields to the event loop once, as a network call does."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, Callable
from itertools import count
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Update

BOT_ID = 123456
TOKEN = f"{BOT_ID}:BENCH-not-a-real-token"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "SME bot", "username": "sme_bench_bot"}


class Recorder:
    """What a bot sent, per chat, and the Bot API's canned answer to each method: shared by the
    aiogram session below and the python-telegram-bot request in `bench/ptb_telegram.py`."""

    def __init__(self) -> None:
        self.requests = 0
        self.by_method: dict[str, int] = {}
        self.last_markup: dict[int, dict[str, Any]] = {}  # chat id -> keyboard of the last message
        self.last_text: dict[int, str] = {}
        self._message_ids = count(1)

    def answer(self, name: str, form: dict[str, Any]) -> Any:
        """The `result` the Bot API would give to method `name` called with `form` (the
        parameters as sent over HTTP: strings, objects JSON-encoded)."""
        self.requests += 1
        self.by_method[name] = self.by_method.get(name, 0) + 1
        if name in ("sendMessage", "editMessageText"):
            chat_id = int(form["chat_id"])
            markup = json.loads(form["reply_markup"]) if "reply_markup" in form else None
            if markup is not None:
                self.last_markup[chat_id] = markup
            self.last_text[chat_id] = form["text"]
            message: dict[str, Any] = {
                "message_id": int(form.get("message_id") or next(self._message_ids)),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": form["text"],
            }
            if markup is not None:
                message["reply_markup"] = markup
            return message
        if name == "getMe":
            return BOT_USER
        return True

    def buttons(self, chat_id: int) -> list[str]:
        """The callback data of every button on the last keyboard sent to `chat_id`."""
        markup = self.last_markup.get(chat_id) or {}
        return [
            b["callback_data"]
            for row in markup.get("inline_keyboard", [])
            for b in row
            if "callback_data" in b
        ]


class RecordingSession(BaseSession):
    """Serialises each request as aiogram's HTTP session does, records it, and parses a canned
    Bot API answer through aiogram's own response checks (so the bot gets real `Message`s)."""

    def __init__(self) -> None:
        super().__init__()
        self.record = Recorder()

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        files: dict[str, Any] = {}
        form = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:
                form[key] = prepared
        await asyncio.sleep(0)  # a network call lets other updates run meanwhile
        answer = self.record.answer(method.__api_method__, form)
        content = self.json_dumps({"ok": True, "result": answer})
        return self.check_response(bot, method, 200, content).result  # type: ignore[return-value]

    async def close(self) -> None:
        pass

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError("no file downloads in the benchmark")
        yield b""  # pragma: no cover


def new_bot() -> tuple[Bot, RecordingSession]:
    session = RecordingSession()
    return Bot(TOKEN, session=session), session


class Client:
    """Builds the updates founders' Telegram clients send (update ids strictly increasing), as
    the JSON a webhook or getUpdates gives, then parsed by `parse` into the bot library's type."""

    def __init__(self, parse: Callable[[dict[str, Any]], Any]) -> None:
        self.parse = parse
        self._update_ids = count(1)
        self._message_ids = count(1_000_000)
        self._query_ids = count(1)

    @staticmethod
    def user(user_id: int) -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"F{user_id}",
            "language_code": "zh-hans",
        }

    def text(self, user_id: int, text: str) -> Any:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": f"F{user_id}"},
            "from": self.user(user_id),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return self._update({"message": message})

    def tap(self, user_id: int, data: str, message_id: int = 1) -> Any:
        query = {
            "id": str(next(self._query_ids)),
            "from": self.user(user_id),
            "chat_instance": str(user_id),
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": f"F{user_id}"},
                "from": BOT_USER,
                "text": "…",
            },
        }
        return self._update({"callback_query": query})

    def _update(self, payload: dict[str, Any]) -> Any:
        return self.parse({"update_id": next(self._update_ids), **payload})


def aiogram_client(bot: Bot) -> Client:
    """A client whose updates aiogram parses, as it does what getUpdates or a webhook returns."""
    return Client(lambda raw: Update.model_validate(raw, context={"bot": bot}))
