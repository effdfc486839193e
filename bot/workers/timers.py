"""The timed-events worker: claims due events from the `TimerStore`, hands each to the handler
of its kind, acks it, and retries failures with backoff until they go to the dead letters.

At least once, exactly once in effect for an idempotent handler: a claim holds an event for
`lease_s`; only the claim's holder can ack it, so two live workers never both settle it. A
worker that dies (or stalls past its lease) after its handler acted but before the ack leaves
the event to be claimed again once the lease runs out, and the handler runs again: handlers
key their effect on `event.id` (e.g. "told the founder about event X" recorded once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping

from bot.core import metrics
from storage.errors import StorageError
from storage.timers import TimedEvent, TimerStore

log = logging.getLogger(__name__)

Handler = Callable[[TimedEvent], Awaitable[None]]


class UnknownKind(Exception):
    """No handler for the event's kind in this process (an older worker in a rolling deploy)."""


class TimerWorker:
    """Fires due timed events, `batch` at a time, through `handlers` (kind → handler).

    A handler must finish within `timeout_s` (half the lease by default); one that raises, runs
    over or has no handler here is retried after `rng() * min(max_delay_s, base_delay_s *
    2**attempt)` seconds until `max_attempts` attempts failed (a lost lease counts), then the
    event goes to the dead letters and is logged. Logs carry ids and kinds, never payloads, and
    of a handler's exception only its class (its text may hold personal data).
    """

    def __init__(
        self,
        store: TimerStore,
        handlers: Mapping[str, Handler],
        *,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
        name: str = "timers",
        lease_s: float = 60.0,
        timeout_s: float | None = None,
        batch: int = 20,
        poll_s: float = 1.0,
        max_attempts: int = 5,
        base_delay_s: float = 30.0,
        max_delay_s: float = 3600.0,
    ) -> None:
        for kind in handlers:
            if not kind or not kind.isascii() or any(c.isspace() for c in kind):
                raise ValueError(f"bad timed event kind {kind!r} in the handlers")
        self.store = store
        self.handlers = dict(handlers)
        self.clock = clock
        self.rng = rng
        self.name = name
        self.lease_s = lease_s
        self.timeout_s = lease_s / 2 if timeout_s is None else timeout_s
        self.batch = batch
        self.poll_s = poll_s
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s

    async def run(self, stop: asyncio.Event) -> None:
        """Fire due events until `stop` is set; Redis outages are logged and waited out."""
        log.info("timer worker %s started (kinds: %s)", self.name, ", ".join(self.handlers) or "-")
        while not stop.is_set():
            try:
                fired = await self.run_once()
            except StorageError as exc:
                log.warning("timer worker %s: storage error %s", self.name, type(exc).__name__)
                metrics.storage_failed("timers", exc)
                fired = 0
            if fired < self.batch:  # a full batch: more may be due at once
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.poll_s)
        log.info("timer worker %s stopped", self.name)

    async def run_once(self) -> int:
        """One pass: make expired leases due again, claim what is due, handle each; how many."""
        now = self.clock()
        for event_id in await self.store.reclaim(now, self.batch):
            log.warning("timer %s: its lease ran out; due again", event_id)
        events = await self.store.claim(now, self.batch, self.lease_s)
        results = await asyncio.gather(*(self.handle(e) for e in events), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return len(events)

    async def handle(self, event: TimedEvent) -> None:
        """Run one claimed event's handler and settle the event: ack, retry or dead letter."""
        if event.attempt == 0:  # a retry's lateness is its backoff's, not the worker's
            kind = event.kind if event.kind in self.handlers else "unknown"
            metrics.timer_taken(kind, self.clock() - event.due_at)
        if event.attempt >= self.max_attempts:  # its last leases ran out: a worker died on it
            await self._give_up(event, event.attempt, event.last_error)
            return
        try:
            handler = self.handlers.get(event.kind)
            if handler is None:
                raise UnknownKind
            await asyncio.wait_for(handler(event), timeout=self.timeout_s)
        except Exception as exc:  # noqa: BLE001 - any failure is retried or dead-lettered
            await self._failed(event, type(exc).__name__)
            return
        if await self.store.done(event):
            log.info("timer %s (%s) fired (attempt %d)", event.id, event.kind, event.attempt + 1)
        else:
            log.info("timer %s (%s) ran, but its claim was lost", event.id, event.kind)

    def delay_s(self, attempt: int) -> float:
        """The wait before retrying after failed attempt number `attempt` (0 for the first)."""
        return self.rng() * min(self.max_delay_s, self.base_delay_s * 2.0 ** min(attempt, 32))

    async def _failed(self, event: TimedEvent, error: str) -> None:
        attempt = event.attempt + 1
        log.warning("timer %s (%s) attempt %d failed: %s", event.id, event.kind, attempt, error)
        if attempt >= self.max_attempts:
            await self._give_up(event, attempt, error)
            return
        retry_at = self.clock() + self.delay_s(event.attempt)
        if not await self.store.release(event, retry_at, error):
            log.info("timer %s (%s): claim lost before its retry was set", event.id, event.kind)

    async def _give_up(self, event: TimedEvent, attempts: int, error: str) -> None:
        reason = f"gave up after {attempts} attempts: {error}"
        if await self.store.dead(event, reason, attempts=attempts, at=self.clock()):
            log.error("timer %s (%s) dead-lettered: %s", event.id, event.kind, reason)
