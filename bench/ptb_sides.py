"""The bots the form-steps scenario drives on python-telegram-bot 22: the textbook baseline
(`bench/ptb_baseline.py`, state in the process, a pickle file) and ours on the `bot.channels.ptb`
runtime, both fed as PTB's update fetcher feeds an `Application`.

The baseline's Application is initialised but not started: `start()` would only add the
update fetcher (bypassed, as for aiogram) and the 60-second write-back timer, which would fire in
whichever side's phase is running and stall the shared event loop. The scenario runs that same
write-back (`Application.update_persistence`) after each of the baseline's timed phases instead,
outside the clock, and reports how long it took.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram.ext import PicklePersistence

from bench import baseline, ptb_baseline
from bench.common import BenchError, RoundTrips
from bench.form import FLOW_ID
from bench.ptb_telegram import feeder, new_ext_bot, ptb_client
from bench.sides import Side, create_service, pick_action, pick_field, stored_in
from bench.telegram import Recorder
from bot.channels.ptb.channel import PtbChannel
from bot.channels.ptb.runtime import create_application
from bot.config import Settings
from bot.core.front import Front
from bot.wiring import create_redis


async def ptb_textbook() -> Side:
    """The second baseline: ConversationHandler, `context.user_data`, PicklePersistence on a
    temporary file, `concurrent_updates=False`."""
    folder = Path(tempfile.mkdtemp(prefix="smebot-bench-ptb."))
    filepath = folder / "ptb_baseline.pickle"
    record = Recorder()
    app = ptb_baseline.create_application(filepath, record)
    await app.initialize()

    async def stored(user_id: int) -> dict[str, Any]:
        return dict(app.user_data.get(user_id) or {})  # what `context.user_data` holds

    async def settle() -> float:
        started = time.perf_counter()
        await app.update_persistence()  # what the 60-second timer would run
        return time.perf_counter() - started

    async def finish() -> dict[str, Any]:
        """Shut down (write back, flush), then check the file holds what memory does."""
        started = time.perf_counter()
        await app.shutdown()
        shutdown = time.perf_counter() - started
        reread = PicklePersistence(filepath=filepath)
        reread.set_bot(app.bot)
        on_disk = await reread.get_user_data()
        differ = [u for u, data in app.user_data.items() if on_disk.get(u) != data]
        if differ:
            raise BenchError(f"ptb_baseline: {len(differ)} founders' answers not in the file")
        return {"shutdown_s": round(shutdown, 3), "founders_in_file": len(on_disk),
                "file_bytes": filepath.stat().st_size}  # fmt: skip

    async def cleanup() -> None:
        await app.shutdown()  # returns at once if `finish` shut it down already
        shutil.rmtree(folder, ignore_errors=True)

    return Side("ptb_baseline", feeder(app), ptb_client(app), record, baseline.START, pick_field,
                stored, settle=settle, finish=finish, cleanup=cleanup)  # fmt: skip


async def ours_ptb(url: str, prefix: str) -> Side:
    """Ours on python-telegram-bot: the `bot.channels.ptb` runtime's Application (two catch-all
    handlers into our `Front`, its own `concurrent_updates`) around a `ConversationService`
    built as `ours` builds it, on the client `create_redis` makes."""
    redis = create_redis(Settings(redis_url=url))
    trips = RoundTrips(redis)
    service = create_service(redis, prefix)
    record = Recorder()
    bot = new_ext_bot(record)
    app = create_application(bot, Front(service), PtbChannel(bot))
    await app.initialize()
    await app.start()  # as PtbRuntime.start does (no persistence: starts its update fetcher)

    async def cleanup() -> None:
        await app.stop()
        await app.shutdown()

    return Side("ours_ptb", feeder(app), ptb_client(app), record, f"/start {FLOW_ID}",
                pick_action, stored_in(service.store), redis, trips, service=service,
                cleanup=cleanup)  # fmt: skip
