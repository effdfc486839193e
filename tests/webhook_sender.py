"""Telegram's side of a webhook, as Telegram behaves: a chat's next update is sent only once the
previous request was answered 200; an error status or a broken connection is retried after a
short pause with the same update (same update_id); different chats in parallel, at most
`max_connections` requests open at once (Telegram's default is 40)."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

import aiohttp
from botapi_stub import BotApiStub

MAX_CONNECTIONS = 40
RETRY_PAUSE = 0.2  # seconds before a failed update is sent again


class WebhookSender:
    """Posts the stand-in Bot API's updates to `url`; `redelivered` counts the second and later
    attempts, `failures` what each failed attempt got (a status or an exception's name)."""

    def __init__(
        self, api: BotApiStub, url: str, secret: str, max_connections: int = MAX_CONNECTIONS
    ) -> None:
        self.api, self.url, self.secret = api, url, secret
        self.max_connections = max_connections
        self.redelivered = 0
        self.delivered = 0
        self.failures: dict[str, int] = {}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        connector = aiohttp.TCPConnector(limit=self.max_connections)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=60)
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()

    async def deliver(self, update_id: int) -> None:
        """Send update `update_id` until it is answered 200."""
        assert self._session is not None, "use the sender as `async with`"
        update = self.api.pushed[update_id]
        while True:
            try:
                status = await self.api.post_webhook(self.url, update, self.secret, self._session)
                failure = None if status == 200 else str(status)
            except (aiohttp.ClientError, TimeoutError) as exc:
                failure = type(exc).__name__
            if failure is None:
                self.delivered += 1
                return
            self.failures[failure] = self.failures.get(failure, 0) + 1
            self.redelivered += 1
            await asyncio.sleep(RETRY_PAUSE)

    async def burst(self, chat: int, texts: list[str]) -> None:
        """Several messages typed at once: all queued at Telegram first, then sent one by one,
        each as soon as the previous one was answered (never waiting for the bot's replies)."""
        queued = [self.api.push_message(chat, text, language_code="en") for text in texts]
        for update_id in queued:
            await self.deliver(update_id)

    async def tap(self, chat: int, message: dict, data: str) -> None:
        """Press the button `data` on the bot's message `message`."""
        await self.deliver(self.api.push_callback(chat, data, message["message_id"], "en"))
