"""The backlog gauges (outbox, timed events, broadcasts), read from Redis every few seconds by
a task of the worker, so a scrape only reads memory and never waits on Redis."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bot.core import metrics
from storage.broadcasts import BroadcastStore
from storage.errors import StorageError
from storage.outbox import OutboxStore
from storage.timers import TimerStore

log = logging.getLogger(__name__)


class BacklogGauges:
    """Sets the backlog gauges of `bot.core.metrics` every `every_s` seconds until stopped; a
    Redis outage leaves the last values (`smebot_backlog_read_timestamp_seconds` shows it)."""

    def __init__(
        self,
        outbox: OutboxStore,
        timers: TimerStore,
        broadcasts: BroadcastStore,
        *,
        every_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.outbox = outbox
        self.timers = timers
        self.broadcasts = broadcasts
        self.every_s = every_s
        self.clock = clock

    async def run(self, stop: asyncio.Event) -> None:
        """Read until `stop` is set; never raises (the worker ends when one of its tasks does)."""
        while not stop.is_set():
            try:
                await self.read_once()
            except StorageError as exc:
                metrics.storage_failed("gauges", exc)
                log.warning("backlog gauges: storage error %s", type(exc).__name__)
            except Exception as exc:  # noqa: BLE001 - metrics never stop the deliveries
                log.error("backlog gauges: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.every_s)

    async def read_once(self) -> None:
        """Read every backlog from Redis and set the gauges."""
        now = self.clock()
        backlog = await self.outbox.backlog(int(now * 1000))
        due, dead = await self.timers.backlog(now)
        running = len(await self.broadcasts.running())
        metrics.OUTBOX_WAITING.set(backlog.waiting)
        metrics.OUTBOX_OLDEST.set(backlog.oldest_age_s)
        metrics.OUTBOX_RETRYING.set(backlog.retrying)
        metrics.OUTBOX_DEAD.set(backlog.dead)
        metrics.TIMERS_DUE.set(due)
        metrics.TIMERS_DEAD.set(dead)
        metrics.BROADCASTS_RUNNING.set(running)
        metrics.BACKLOG_READ.set(now)
