"""The broadcaster: sends running broadcasts to their frozen recipients from the worker, within
a global rate (a token bucket, BROADCAST_RATE a second) and at most one message a second per
chat, and records each recipient's outcome in `storage.broadcasts`.

Founder replies keep priority: the bot answers founders from its own process, and Telegram's
~30 messages a second are shared, so the broadcaster stays at BROADCAST_RATE (25 by default)
and leaves the rest to replies and service traffic; the rate is shared by every broadcasting
process (each paces at its share, counted by heartbeats in Redis). A 429 holds the whole sender for its
`retry_after`, then the same message is sent again; a 403 settles the founder `blocked` and
calls `on_blocked` (unsubscribe); other errors are retried up to `max_attempts`, then `failed`.
At most once (see `storage.broadcasts`): a recipient a dead worker held is counted `unknown`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable

from bot.core import metrics
from bot.core.channel import Blocked, Channels, RateLimited, SendUnknown
from bot.workers.broadcast_send import Contents
from bot.workers.pacing import Pacer
from flows.engine.address import Address
from storage.broadcasts import Broadcast, BroadcastStore, Claim, Counts, Outcome, Recipient
from storage.errors import StorageError

log = logging.getLogger(__name__)

Report = Callable[[Broadcast, Counts], Awaitable[None]]
MAX_RATE_LIMITS = 20  # 429s for one message before it counts as failed


class Broadcaster:
    """Claims recipients of running broadcasts `batch` at a time and sends to them at
    `rate_per_s` shared by the broadcasters that sent a heartbeat within `alive_s` (two
    workers send at half the rate each); `on_progress` at most every `progress_every_s`, `on_done` once per broadcast
    (by whichever worker settles its last recipient). `clock` and `sleep` are injectable."""

    def __init__(
        self,
        store: BroadcastStore,
        channels: Channels,
        *,
        is_subscribed: Callable[[Address], Awaitable[bool]],
        on_blocked: Callable[[Address], Awaitable[None]],
        on_progress: Report | None = None,
        on_done: Report | None = None,
        rate_per_s: float = 25.0,
        per_chat_s: float = 1.0,
        max_attempts: int = 3,
        batch: int | None = None,
        lanes: int = 16,
        name: str | None = None,
        alive_s: float = 10.0,
        lease_s: float = 120.0,
        poll_s: float = 1.0,
        progress_every_s: float = 5.0,
        retry_delay_s: float = 1.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.channels = channels
        self.is_subscribed = is_subscribed
        self.on_blocked = on_blocked
        self.on_progress = on_progress
        self.on_done = on_done
        self.pacer = Pacer(rate_per_s, per_chat_s, clock, sleep)
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{id(self):x}"
        self.alive_s = alive_s  # a broadcaster not heard of for this long no longer shares
        self.max_attempts = max_attempts
        self.batch = batch or max(10, round(rate_per_s / 4))  # a quarter second of sends
        self.lanes = lanes  # sends in flight at once (a reply's latency must not cap the rate)
        self.lease_s = lease_s
        self.poll_s = poll_s
        self.progress_every_s = progress_every_s
        self.retry_delay_s = retry_delay_s
        self.clock = clock
        self.sleep = sleep
        self._reported: dict[str, float] = {}  # broadcast id → when progress was last told
        self.contents = Contents(channels)
        self._halted: set[str] = set()  # claim tokens whose broadcast stopped running

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; Redis outages are logged and waited out."""
        log.info("broadcaster started (%.1f messages/s)", self.pacer.rate_per_s)
        while not stop.is_set():
            try:
                sent = await self.run_once()
            except StorageError as exc:
                log.warning("broadcaster: storage error %s", type(exc).__name__)
                metrics.storage_failed("broadcaster", exc)
                sent = 0
            if not sent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.poll_s)
        with contextlib.suppress(StorageError):
            await self.store.leave(self.name)
        log.info("broadcaster stopped")

    async def run_once(self) -> int:
        """One batch of each running broadcast; how many recipients were settled."""
        settled = 0
        senders = await self.store.heartbeat(self.name, self.clock(), self.alive_s)
        self.pacer.share(senders)
        for broadcast_id in await self.store.running():
            settled += await self._step(broadcast_id)
        return settled

    async def _step(self, broadcast_id: str) -> int:
        now = self.clock()
        if reaped := await self.store.reap(broadcast_id, now):
            metrics.broadcast_settled("unknown", reaped)
            log.warning(
                "broadcast %s: %d sends of a dead worker counted unknown", broadcast_id, reaped
            )
        broadcast = await self.store.get(broadcast_id)
        if broadcast.status != "running":
            await self._ended(broadcast)
            return 0
        claim = await self.store.claim(broadcast_id, self.batch, now, self.lease_s)
        if not claim.recipients:
            await self._ended(await self.store.get(broadcast_id))
            return 0
        outcomes = await self._deliver_all(broadcast, claim)
        self._halted.discard(claim.token)
        unsent = [
            r for r, outcome in zip(claim.recipients, outcomes, strict=True) if outcome is None
        ]
        await self.store.release(claim, unsent)
        await self._progress(broadcast)
        return len(claim.recipients) - len(unsent)

    async def _deliver_all(self, broadcast: Broadcast, claim: Claim) -> list[Outcome | None]:
        """Each claimed recipient's outcome, `lanes` of them in flight at once."""
        outcomes: list[Outcome | None] = [None] * len(claim.recipients)
        queue = iter(enumerate(claim.recipients))

        async def lane() -> None:
            for i, recipient in queue:
                outcomes[i] = await self._deliver(broadcast, claim, recipient)

        await asyncio.gather(*(lane() for _ in range(min(self.lanes, len(claim.recipients)))))
        return outcomes

    async def _deliver(
        self, broadcast: Broadcast, claim: Claim, recipient: Recipient
    ) -> Outcome | None:
        """Send to one recipient and settle them; None when the broadcast stopped first."""
        if claim.token in self._halted:
            return None
        if not await self.is_subscribed(recipient.address):
            outcome: Outcome = "skipped"
        else:
            outcome = await self._send(broadcast, claim, recipient)
        held, status = await self.store.settle(claim, recipient, outcome, self.clock())
        metrics.broadcast_settled(outcome)
        if not held:
            log.warning("broadcast %s: a claim ran out before its send was recorded", broadcast.id)
        if status != "running":
            self._halted.add(claim.token)
        if outcome == "blocked":
            try:
                await self.on_blocked(recipient.address)
            except Exception as exc:  # noqa: BLE001 - recorded blocked all the same
                log.warning(
                    "broadcast %s: unsubscribe failed: %s", broadcast.id, type(exc).__name__
                )
        return outcome

    async def _send(self, broadcast: Broadcast, claim: Claim, recipient: Recipient) -> Outcome:
        messages = self.contents.messages(broadcast, recipient.lang)
        file = await self.contents.attachment(broadcast)
        steps = len(messages) + (file is not None)
        done = failures = limited = 0
        channel = self.channels.get(recipient.address.channel)
        if channel is None:
            return "failed"
        while done < steps:
            await self.pacer.slot(str(recipient.address))
            try:
                if done < len(messages):
                    await channel.send(recipient.address, [messages[done]])
                else:
                    assert file is not None
                    await channel.send_file(recipient.address, file[0], file[1], "")
            except RateLimited as exc:
                limited += 1
                log.warning("broadcast %s: rate limited for %.1f s", broadcast.id, exc.retry_after)
                held_until = self.pacer.hold(exc.retry_after)
                await self.store.extend(claim, claim.recipients, held_until + self.lease_s)
                if limited >= MAX_RATE_LIMITS:
                    return "failed"
                continue
            except Blocked:
                return "blocked"
            except SendUnknown as exc:  # maybe delivered: never sent again (at most once)
                log.warning("broadcast %s: outcome unknown: %s", broadcast.id, exc)
                return "unknown"
            except Exception as exc:  # noqa: BLE001 - any other failure is retried, then failed
                failures += 1
                log.warning("broadcast %s: send failed: %s", broadcast.id, type(exc).__name__)
                if failures >= self.max_attempts:
                    return "failed"
                await self.sleep(self.retry_delay_s)
                continue
            done += 1
        return "delivered"

    async def _progress(self, broadcast: Broadcast) -> None:
        if self.on_progress is None:
            return
        now = self.clock()
        if now - self._reported.get(broadcast.id, 0.0) < self.progress_every_s:
            return
        self._reported[broadcast.id] = now
        await self._tell(self.on_progress, await self.store.get(broadcast.id))

    async def _ended(self, broadcast: Broadcast) -> None:
        """A broadcast no longer running leaves the index; a finished one is reported once."""
        if broadcast.status == "running":
            return
        await self.store.forget_running(broadcast.id)
        self._reported.pop(broadcast.id, None)
        self.contents.forget(broadcast.id)
        if broadcast.status == "done" and await self.store.mark_reported(broadcast.id):
            log.info("broadcast %s done: %s", broadcast.id, broadcast.counts)
            if self.on_done is not None:
                await self._tell(self.on_done, broadcast)

    async def _tell(self, report: Report, broadcast: Broadcast) -> None:
        try:
            await report(broadcast, broadcast.counts)
        except Exception as exc:  # noqa: BLE001 - progress is told again later; sending goes on
            log.warning("broadcast %s: progress not shown: %s", broadcast.id, type(exc).__name__)
