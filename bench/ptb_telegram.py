"""Telegram without a network for python-telegram-bot 22: a `BaseRequest` answering every Bot API
call from the shared `Recorder` (as `bench/telegram.py`'s session does for aiogram), and how the
scenario hands an `Application` one update as PTB's own update fetcher does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, ExtBot
from telegram.request import BaseRequest, RequestData

from bench.telegram import TOKEN, Client, Recorder


class RecordingRequest(BaseRequest):
    """Serialises each call's parameters as PTB's `HTTPXRequest` does (`json_parameters`, the
    form fields it posts), records it, and answers with canned Bot API JSON, which PTB then
    checks and parses itself (status code, `ok`, `result` into `Message` and so on)."""

    def __init__(self, record: Recorder) -> None:
        self.record = record

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is not None and request_data.contains_files:
            raise NotImplementedError("no file uploads in the benchmark")
        form = request_data.json_parameters if request_data is not None else {}
        await asyncio.sleep(0)  # a network call lets other updates run meanwhile
        answer = self.record.answer(url.rsplit("/", 1)[-1], form)
        return 200, json.dumps({"ok": True, "result": answer}).encode()


def new_ext_bot(record: Recorder) -> ExtBot[None]:
    """An `ExtBot` (what `ApplicationBuilder` builds) whose Bot API is `record`."""
    return ExtBot(
        TOKEN, request=RecordingRequest(record), get_updates_request=RecordingRequest(record)
    )


def ptb_client(application: Application) -> Client:  # type: ignore[type-arg]
    """A client whose updates PTB parses (`Update.de_json`), as it does getUpdates' answer."""
    return Client(lambda raw: Update.de_json(raw, application.bot))


def feeder(application: Application) -> Callable[[Any], Awaitable[None]]:  # type: ignore[type-arg]
    """Feeds one update as PTB's update fetcher does: through `update_processor` (its semaphore
    is `concurrent_updates`: 1 unless set) into `process_update`, then returns. A bare
    `process_update` would skip that semaphore and run every update in flight at once."""

    async def feed(update: Update) -> None:
        await application.update_processor.process_update(
            update, application.process_update(update)
        )

    return feed
