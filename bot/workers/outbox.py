"""The delivery worker: takes outbox entries, hands each to `deliver`, and retries with
backoff, reclaims what a dead worker left, and gives up into the dead letters.

At least once, exactly once in effect: a delivered reference is recorded before its entry is
acked, and a redelivered entry for it is acked without sending (the agency also gets the
reference as its idempotency key, for a crash between sending and recording).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

from bot.core import metrics
from bot.handoff.types import DeliveryFailed, Withdrawn
from storage.errors import StorageError
from storage.outbox import OutboxEntry, OutboxStore, Settled

log = logging.getLogger(__name__)

Deliver = Callable[[OutboxEntry], Awaitable[str | Settled | None]]
OnDead = Callable[[OutboxEntry, str], Awaitable[None]]
Chore = Callable[[float], Awaitable[object]]  # housekeeping, given the time (seconds)


class OutboxWorker:
    """Delivers outbox entries as consumer `consumer` of the store's group.

    `deliver` sends one entry's bundle and returns on the agency's acknowledgement, optionally
    with a delivery id (else the stream entry id is recorded), or `Settled` when it recorded
    the delivery and acked the entry itself; it raises to fail. Any exception
    is a retryable failure except a `DeliveryFailed` with `retryable=False`, which goes to the
    dead letters at once: a retry cannot fix it; an operator reads the reason there.
    Retryable failures wait `rng() * min(max_delay_s, base_delay_s * 2**attempt)` (full jitter)
    until `max_age` has passed since the first attempt; the next failure after it is final.

    A delivery must finish well within `reclaim_idle_ms` (the entries of a batch are delivered
    concurrently): after that, another worker may take the entry over and send it again, under
    the same reference.

    `chore` (the retention purge) runs at most every `chore_every_s` between batches.
    """

    def __init__(
        self,
        store: OutboxStore,
        deliver: Deliver,
        *,
        consumer: str,
        max_age: timedelta = timedelta(hours=72),
        base_delay_s: float = 5.0,
        max_delay_s: float = 3600.0,
        reclaim_idle_ms: int = 60_000,
        batch: int = 10,
        block_ms: int = 1000,
        on_dead: OnDead | None = None,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
        chore: Chore | None = None,
        chore_every_s: float = 600.0,
        agency_of: Callable[[OutboxEntry], str] = lambda entry: "unknown",
    ) -> None:
        self.store = store
        self.deliver = deliver
        self.consumer = consumer
        self.max_age_ms = int(max_age.total_seconds() * 1000)
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.reclaim_idle_ms = reclaim_idle_ms
        self.batch = batch
        self.block_ms = block_ms
        self.on_dead = on_dead
        self.clock = clock
        self.rng = rng
        self.chore = chore
        self.chore_every_s = chore_every_s
        self._chore_due = 0.0
        self.agency_of = agency_of  # the agency id an entry goes to, for the metrics
        self._group_ready = False

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; Redis outages are logged and waited out."""
        start = getattr(self.deliver, "start", None)  # the deliverer's render processes
        if start is not None:
            await start()
        log.info("outbox worker %s started", self.consumer)
        while not stop.is_set():
            try:
                await self.run_once(block_ms=self.block_ms)
            except StorageError as exc:
                self._group_ready = False  # the stream may have been deleted with its group
                metrics.storage_failed("outbox", exc)
                log.warning("outbox worker %s: storage error %s", self.consumer, type(exc).__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.block_ms / 1000)
        close = getattr(self.deliver, "close", None)
        if close is not None:
            await close()
        log.info("outbox worker %s stopped", self.consumer)

    async def run_once(self, block_ms: int = 0) -> int:
        """One pass: requeue due retries, reclaim stale entries, read new ones, deliver each.

        Waits up to `block_ms` for new entries when there is nothing else; returns how many
        entries it handled.
        """
        if not self._group_ready:
            await self.store.ensure_group()
            self._group_ready = True
        await self.store.due_retries(self._now_ms(), self.batch)
        await self._chores()
        entries = await self.store.reclaim(self.consumer, self.reclaim_idle_ms, self.batch)
        wait = 0 if entries else block_ms
        entries += await self.store.read(self.consumer, self.batch, wait)
        # Entries of a batch are different references: delivered side by side, so a batch takes
        # as long as its slowest delivery, not their sum.
        results = await asyncio.gather(*(self.handle(e) for e in entries), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return len(entries)

    async def handle(self, entry: OutboxEntry) -> None:
        """Deliver one entry unless its reference was delivered already; settle it either way."""
        if not entry.reference:
            await self._give_up(entry, "malformed outbox entry: no reference")
            return
        taken = await self.store.take(entry)  # with the submission's record, for `deliver`
        if taken is None:
            await self.store.ack(entry)
            log.info("outbox %s delivered already; acked %s", entry.reference, entry.id)
            self._settled(entry, "already_delivered")
            return
        entry = taken
        started_ms = self._now_ms()
        try:
            delivered = await self.deliver(entry)
        except Withdrawn:
            await self.store.ack(entry)
            log.info("outbox %s withdrawn by its founder; acked %s", entry.reference, entry.id)
            self._settled(entry, "withdrawn")
            return
        except Exception as exc:  # noqa: BLE001 - any failure is retried or dead-lettered
            await self._failed(entry, exc, entry.first_attempt_ms or started_ms)
            return
        if not isinstance(delivered, Settled):
            await self.store.mark_delivered(
                entry.reference, delivered or entry.id, at=self.clock(), settle=entry
            )
        log.info("outbox %s delivered (attempt %d)", entry.reference, entry.attempt + 1)
        self._settled(entry, "delivered")

    def delay_s(self, attempt: int) -> float:
        """The wait before retrying after failed attempt number `attempt` (0 for the first)."""
        return self.rng() * min(self.max_delay_s, self.base_delay_s * 2.0 ** min(attempt, 32))

    async def _failed(self, entry: OutboxEntry, exc: Exception, first_ms: int) -> None:
        kind = type(exc).__name__
        # A transport's reason is written for operators; other exceptions' text may hold
        # personal data from the bundle, so only their class is kept.
        error = f"{kind}: {exc.reason}" if isinstance(exc, DeliveryFailed) else kind
        log.warning("outbox %s attempt %d failed: %s", entry.reference, entry.attempt + 1, kind)
        now_ms = self._now_ms()
        if isinstance(exc, DeliveryFailed) and not exc.retryable:
            await self._give_up(entry, f"not retryable: {error}")
        elif now_ms - first_ms >= self.max_age_ms:
            await self._give_up(entry, f"gave up after {entry.attempt + 1} attempts: {error}")
        else:
            due_ms = now_ms + int(self.delay_s(entry.attempt) * 1000)
            held = replace(entry, first_attempt_ms=first_ms)
            if await self.store.schedule_retry(held, entry.attempt + 1, due_ms, error):
                self._settled(entry, "retried")

    async def _give_up(self, entry: OutboxEntry, reason: str) -> None:
        if not await self.store.dead_letter(entry, reason, at=self.clock()):
            return  # another worker settled it meanwhile
        log.error("outbox %s dead-lettered after %d attempts", entry.reference, entry.attempt + 1)
        self._settled(entry, "dead_lettered")
        if self.on_dead is None:
            return
        try:
            await self.on_dead(entry, reason)
        except Exception as exc:  # noqa: BLE001 - the entry is dead-lettered already
            log.error("outbox %s: on_dead failed with %s", entry.reference, type(exc).__name__)

    async def _chores(self) -> None:
        now = self.clock()
        if self.chore is None or now < self._chore_due:
            return
        self._chore_due = now + self.chore_every_s
        await self.chore(now)

    def _settled(self, entry: OutboxEntry, result: str) -> None:
        metrics.delivery_settled(self.agency_of(entry), result)

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)
