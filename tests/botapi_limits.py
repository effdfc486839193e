"""Telegram's send limits in the stand-in Bot API: a global rate across chats, one message a
second per chat, 429 with `retry_after` beyond them, 403 for chats that blocked the bot, and a
one-off 429 a test injects. Rates are off unless enabled (`enforce`); blocked chats always apply."""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from collections.abc import Callable

from botapi_stub_types import ApiError

SENDS = frozenset({"sendmessage", "senddocument", "sendphoto"})  # what the limits count


class Limits:
    """What a send is answered with before it is stored, and what was sent and refused."""

    def __init__(
        self,
        *,
        enforce: bool = True,
        global_per_s: int = 30,
        per_chat_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enforce = enforce
        self.global_per_s = global_per_s
        self.per_chat_s = per_chat_s
        self.clock = clock
        self.blocked: set[int] = set()
        self.sent: Counter[int] = Counter()  # accepted sends per chat
        self.accepted_at: list[float] = []  # when each accepted send came in
        self.too_many = 0  # 429s answered
        self.refused_at: list[float] = []  # when each 429 was answered
        self.refused_blocked = 0  # 403s answered
        self._window: deque[float] = deque()
        self._last: dict[int, float] = {}
        self._inject: float | None = None
        self._penalty_until = 0.0

    def inject_429(self, retry_after: int) -> None:
        """The next send is answered 429 with this `retry_after`, and every send until it ran out."""
        self._inject = retry_after

    def check(self, chat_id: int) -> None:
        """Accept a send to `chat_id` (counted) or raise the Bot API's refusal."""
        now = self.clock()
        if chat_id in self.blocked:
            self.refused_blocked += 1
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self._inject is not None:
            self._penalty_until, self._inject = now + self._inject, None
        if now < self._penalty_until:
            self._refuse(self._penalty_until - now)
        if self.enforce:
            while self._window and self._window[0] <= now - 1.0:
                self._window.popleft()
            if len(self._window) >= self.global_per_s:
                self._refuse(self._window[0] + 1.0 - now)
            last = self._last.get(chat_id)
            if last is not None and now - last < self.per_chat_s:
                self._refuse(last + self.per_chat_s - now)
            self._window.append(now)
            self._last[chat_id] = now
        self.sent[chat_id] += 1
        self.accepted_at.append(now)

    def _refuse(self, wait: float) -> None:
        self.too_many += 1
        self.refused_at.append(self.clock())
        retry_after = max(1, math.ceil(wait))
        raise ApiError(
            429,
            f"Too Many Requests: retry after {retry_after}",
            {"retry_after": retry_after},
        )
