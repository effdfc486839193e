"""The operators' metrics (Prometheus, `prometheus-client`): every metric the bot exports, and
the one-line hooks the service and the workers call. Labels are kinds, outcomes and agency
ids, never anything of a founder (no user or chat id, reference, name or text).

With PROMETHEUS_MULTIPROC_DIR set (read by prometheus-client when it is first imported) each
process writes its values to files there and a scrape sums them; see `bot.telemetry`.
"""

from __future__ import annotations

import functools
import os
import time
from typing import TypeVar

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

from flows.engine.events import EventKind

M = TypeVar("M", bound=MetricWrapperBase)
_MULTIPROC = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _MULTIPROC and not os.path.isdir(_MULTIPROC):  # else a traceback deep in prometheus-client
    raise RuntimeError(f"PROMETHEUS_MULTIPROC_DIR={_MULTIPROC} is not a directory")

# A turn is a few Redis round trips (about a millisecond on loopback) up to a file read or a
# stalled Redis (seconds): 1 ms to 10 s.
TURN_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Timed events are polled every second; a worker down or behind shows as minutes.
LAG_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
UPDATE_OUTCOMES = ("ok", "duplicate", "flood_dropped", "storage_failed", "failed")

UPDATES = Counter(
    "smebot_updates",
    "Founders' updates the conversation service took, by event kind and outcome.",
    ["kind", "outcome"],
)
TURN_SECONDS = Histogram(
    "smebot_turn_duration_seconds",
    "From taking a founder's update to their replies sent (flood-dropped updates excluded).",
    ["kind"],
    buckets=TURN_BUCKETS,
)
STORAGE_ERRORS = Counter(
    "smebot_storage_errors",
    "Storage errors by where they happened (turn, outbox, timers, broadcaster) and class "
    "(StorageUnavailable, TurnTimeout, DraftConflict after its retries, SealBroken).",
    ["component", "error"],
)
CONFLICTS = Counter(
    "smebot_turn_conflicts",
    "Commits that conflicted and were applied again (DraftConflict, ReferenceTaken, TurnLost).",
    ["conflict"],
)
REDIS_RETRIES = Counter(
    "smebot_redis_retries",
    "Redis commands (and connects) tried again on a fresh connection after a lost one.",
)
DELIVERIES = Counter(
    "smebot_deliveries",
    "Outbox entries settled by the delivery worker, by agency id and result.",
    ["agency", "result"],
)
BROADCAST_SENDS = Counter(
    "smebot_broadcast_sends",
    "Broadcast recipients settled, by outcome (delivered, blocked, failed, unknown, skipped).",
    ["outcome"],
)
TIMER_LAG = Histogram(
    "smebot_timer_lag_seconds",
    "How late a timed event was taken up at its first attempt: now - due.",
    ["kind"],
    buckets=LAG_BUCKETS,
)


for _kind in EventKind:  # every series from the start at 0, so a rate (or a ratio) is never empty
    TURN_SECONDS.labels(_kind)
    for _outcome in UPDATE_OUTCOMES:
        UPDATES.labels(_kind, _outcome)


def _backlog(name: str, doc: str) -> Gauge:
    """A gauge read from Redis by the workers: with several processes, the latest read wins."""
    return Gauge(name, doc, multiprocess_mode="mostrecent")


OUTBOX_WAITING = _backlog(
    "smebot_outbox_entries", "Outbox entries not delivered yet (unread, or taken by a worker)."
)
OUTBOX_OLDEST = _backlog(
    "smebot_outbox_oldest_age_seconds", "Age of the oldest outbox entry not delivered yet."
)
OUTBOX_RETRYING = _backlog(
    "smebot_outbox_retry_entries", "Outbox entries waiting for their next attempt."
)
OUTBOX_DEAD = _backlog("smebot_outbox_dead_letters", "Outbox entries given up on (dead letters).")
TIMERS_DUE = _backlog("smebot_timers_due", "Timed events due now and not yet taken by a worker.")
TIMERS_DEAD = _backlog("smebot_timers_dead_letters", "Timed events given up on (dead letters).")
BROADCASTS_RUNNING = _backlog("smebot_broadcasts_running", "Broadcasts being sent.")
BACKLOG_READ = _backlog(
    "smebot_backlog_read_timestamp_seconds",
    "When the gauges above were last read from Redis (Unix time): stale means no worker reads.",
)


@functools.cache
def _child(metric: M, *labels: str) -> M:
    """`metric.labels(*labels)`, kept: prometheus-client's own lookup costs about 1 µs, and
    every founder update takes two."""
    return metric.labels(*labels)


def update_taken(kind: EventKind, outcome: str, started: float | None = None) -> None:
    """Count one founder update; with `started` (a `time.perf_counter()`), time its turn."""
    _child(UPDATES, kind, outcome).inc()  # a StrEnum: its value is the label
    if started is not None:
        _child(TURN_SECONDS, kind).observe(time.perf_counter() - started)


def storage_failed(component: str, error: BaseException) -> None:
    """Count a storage error by its class (never its text: it may name a key)."""
    STORAGE_ERRORS.labels(component, type(error).__name__).inc()


def conflicted(error: BaseException) -> None:
    CONFLICTS.labels(type(error).__name__).inc()


def delivery_settled(agency: str, result: str) -> None:
    DELIVERIES.labels(agency or "unknown", result).inc()


def broadcast_settled(outcome: str, recipients: int = 1) -> None:
    BROADCAST_SENDS.labels(outcome).inc(recipients)


def timer_taken(kind: str, lag_s: float) -> None:
    TIMER_LAG.labels(kind).observe(max(0.0, lag_s))
