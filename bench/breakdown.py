"""Where a step's time goes, at 1 update in flight: each part of our path timed through its
own object (no module is patched), and the baseline's Telegram calls against its total.

Telegram = serialising the request and parsing the Bot API's answer into aiogram types (what
aiogram does around every HTTP call); aiogram = parsing the update and dispatching it, plus
building keyboards and anything not listed. begin/commit include their Redis round trip.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench.common import drop_prefix, new_prefix
from bench.form import answers_of
from bench.form_steps import each, fill, open_forms
from bench.sides import Side, ours, textbook


def _timed(
    spent: dict[str, float], name: str, func: Callable[..., Any], *, sync: bool = False
) -> Any:
    if sync:

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        return wrapper

    @functools.wraps(func)
    async def awrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await func(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - started

    return awrapper


def _instrument(side: Side, spent: dict[str, float]) -> None:
    session = side.session
    session.make_request = _timed(spent, "telegram", session.make_request)  # type: ignore[method-assign]
    if side.name != "ours":
        return
    svc = side.service
    assert svc is not None
    svc.store.begin = _timed(spent, "store.begin", svc.store.begin)
    svc.store.commit = _timed(spent, "store.commit", svc.store.commit)
    svc.conversation.handle = _timed(spent, "flows", svc.conversation.handle, sync=True)
    svc.renderer.render_all = _timed(spent, "render", svc.renderer.render_all, sync=True)


async def run(url: str, founders: int = 60) -> dict[str, dict[str, float]]:
    """Milliseconds per step of each part, for ours and the baseline."""
    out: dict[str, dict[str, float]] = {}
    for make in (ours, textbook):
        prefix = new_prefix("p")
        side = make(url, prefix)
        warm = list(range(2_000_000, 2_000_040))
        await open_forms(side, warm, 1)
        await each(warm, 1, lambda u, s=side: fill(s, u, answers_of(u), None))
        users = list(range(3_000_000, 3_000_000 + founders))
        await open_forms(side, users, 1)
        spent: dict[str, float] = defaultdict(float)
        _instrument(side, spent)
        latencies: list[float] = []
        await each(users, 1, lambda u, s=side, out=latencies: fill(s, u, answers_of(u), out))
        steps = len(latencies)
        total = sum(latencies)
        parts = {k: v / steps * 1000 for k, v in spent.items()}
        parts["aiogram and the rest"] = total / steps * 1000 - sum(parts.values())
        parts["total"] = total / steps * 1000
        out[side.name] = {k: round(v, 3) for k, v in parts.items()}
        await drop_prefix(side.redis, prefix)
        await side.close()
    return out
