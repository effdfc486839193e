"""`GET /metrics` in the Prometheus text format: on the bot's HTTP server (`bot.web`), and on a
port of its own (METRICS_PORT) in a process without one (the worker, a polling bot); and the
Redis retry policy that counts its retries. The metrics themselves: `bot.core.metrics`.

Without PROMETHEUS_MULTIPROC_DIR a process serves its own values (scrape every process). With
it, every process of the host writes its values to files in that directory and any one of them
serves the sum (scrape one per host); the directory is emptied before the processes start.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from redis.asyncio.retry import Retry

from bot.core import metrics

log = logging.getLogger(__name__)
METRICS_PATH = "/metrics"
T = TypeVar("T")


def scrape() -> bytes:
    """Every metric in the text format: this process's, or with PROMETHEUS_MULTIPROC_DIR the
    sum over the directory's files (read from disk: call it off the event loop)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def add_metrics_route(app: web.Application, token: str | None = None) -> None:
    """GET /metrics; with `token`, only for `Authorization: Bearer <token>` (401 otherwise)."""
    expected = None if token is None else f"Bearer {token}".encode()

    async def serve_metrics(request: web.Request) -> web.Response:
        if expected is not None:
            given = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
            if not hmac.compare_digest(given, expected):
                return web.Response(status=401, text="metrics token missing or wrong")
        body = await asyncio.to_thread(scrape)  # a multiprocess scrape reads files
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get(METRICS_PATH, serve_metrics)


@contextlib.asynccontextmanager
async def metrics_server(host: str, port: int, token: str | None) -> AsyncIterator[None]:
    """/metrics on host:port while inside; nothing when `port` is 0 (METRICS_PORT unset)."""
    if not port:
        yield
        return
    app = web.Application()
    add_metrics_route(app, token)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("metrics on %s:%s%s", host, port, METRICS_PATH)
    try:
        yield
    finally:
        await runner.cleanup()


class CountedRetry(Retry):
    """redis-py's retry policy, counting each command (or connect) tried again after a lost
    connection in `smebot_redis_retries_total`."""

    async def call_with_retry(
        self, do: Callable[[], Awaitable[T]], fail: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> T:
        tried = False

        async def counted() -> T:
            nonlocal tried
            if tried:
                metrics.REDIS_RETRIES.inc()
            tried = True
            return await do()

        return await super().call_with_retry(counted, fail, *args, **kwargs)
