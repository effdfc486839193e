"""Long polling is single-process: Telegram hands each update to one getUpdates caller, so a
second poller on the same bot would split founders' updates between processes with no order
between them. The poller holds a Redis lease while it polls; a second one refuses to start."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from storage.keys import KeyBuilder
from storage.leases import SoleLease

log = logging.getLogger(__name__)
POLLER_LEASE = 6.0  # seconds: a poller killed without releasing blocks a restart this long


class SecondPoller(RuntimeError):
    """Another process already polls Telegram for this bot."""


def _holder() -> str:
    """Who polls: host and pid (for the operator), and a token (pids repeat across hosts)."""
    return json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "id": uuid.uuid4().hex})


def _named(holder: str) -> str:
    try:
        who = json.loads(holder)
        return f"host {who['host']}, pid {who['pid']}"
    except (ValueError, KeyError, TypeError):
        return "an unknown process"


@contextlib.asynccontextmanager
async def sole_poller(
    redis: Redis, keys: KeyBuilder, token: str, ttl: float = POLLER_LEASE
) -> AsyncIterator[None]:
    """Hold the poller's lease of the bot of `token` while inside; SecondPoller (logged) when a
    live process holds it. A holder that died loses it within `ttl`, waited for here."""
    lease = SoleLease(redis, keys.poller(token.split(":", 1)[0]), _holder(), ttl)
    other = await lease.claim(wait=ttl)
    if other is not None:
        log.error(
            "another process already polls Telegram for this bot (%s): polling is "
            "single-process; use BOT_MODE=webhook to run several bot processes",
            _named(other),
        )
        raise SecondPoller(f"another poller is running: {_named(other)}")
    async with lease.kept():
        yield
