"""The broadcaster's pacing: a token bucket for the global rate, a minimum spacing per chat,
and a hold that a 429 puts on every send until its `retry_after` ran out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable


class Pacer:
    """Hands out send slots `1 / rate_per_s` apart, no two to one chat closer than
    `per_chat_s`, none before a hold ends. Safe for concurrent senders on one event loop: a
    slot is reserved before its wait."""

    def __init__(
        self,
        rate_per_s: float,
        per_chat_s: float,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError("a broadcast rate is above 0 messages a second")
        self.rate_per_s = rate_per_s
        self.interval = 1.0 / rate_per_s
        self.per_chat_s = per_chat_s
        self.clock = clock
        self.sleep = sleep
        self.hold_until = 0.0  # a 429 holds every send until then
        self._next_at = 0.0  # the bucket: when the next slot is
        self._last_sent: dict[str, float] = {}  # chat → when its last slot was

    async def slot(self, chat: str) -> None:
        """Wait for the next slot this chat may have; a hold set meanwhile means wait again."""
        while True:
            now = self.clock()
            spaced = self._last_sent.get(chat, 0.0) + self.per_chat_s
            at = max(self._next_at, now, self.hold_until, spaced)
            self._next_at = at + self.interval
            if at > now:
                await self.sleep(at - now)
            if self.clock() >= self.hold_until:
                break
        now = self.clock()
        self._last_sent[chat] = now
        if len(self._last_sent) > 1000:  # forget chats whose spacing is over
            self._last_sent = {
                c: t for c, t in self._last_sent.items() if t > now - self.per_chat_s
            }

    def share(self, senders: int) -> None:
        """Pace at this process's share of the rate, `senders` processes sending at once."""
        self.interval = max(1, senders) / self.rate_per_s

    def hold(self, retry_after: float) -> float:
        """No slot for anyone for `retry_after` seconds (a 429); when the hold ends."""
        self.hold_until = max(self.hold_until, self.clock() + retry_after)
        return self.hold_until
