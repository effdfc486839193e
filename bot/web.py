"""The bot's HTTP server: Telegram's webhook (its secret checked before anything is read), the
agencies' status endpoint, /healthz and /metrics. The same server whichever runtime runs the bot."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from aiohttp import web

from bot.config import Settings
from bot.core.commands import BadUpdate, TelegramRuntime
from bot.core.update_shape import check_update
from bot.handoff.agencies import Agencies
from bot.handoff.api import add_status_routes
from bot.handoff.status import StatusDesk
from bot.telemetry import add_metrics_route
from storage.submissions import SubmissionStore

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE = 1024 * 1024  # far above any update Telegram sends
ANSWER_WITHIN: float = Settings.model_fields["webhook_answer_within"].default  # seconds


def add_webhook_route(
    app: web.Application,
    path: str,
    secret: str,
    runtime: TelegramRuntime,
    answer_within: float = ANSWER_WITHIN,
) -> None:
    """POST `path`: 401 without the secret header, 403 with a wrong one, 400 for a body that is
    not an update (or types a field the core reads wrongly), else 200 once the update's turn is
    committed and its replies sent.

    Telegram sends a chat's next update only after the previous one is answered, so answering
    late keeps a founder's updates in order across processes, and an update is never answered
    before it is saved: one whose process dies is sent again, to another. An update not done
    within `answer_within` seconds is answered 503 while it goes on; Telegram sends it again
    and the second delivery is recognised by its id (one reply, one change of state).
    """
    expected = secret.encode()
    running: set[asyncio.Task[None]] = set()

    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return web.Response(status=401, text="secret token missing")
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected):
            return web.Response(status=403, text="wrong secret token")
        body = await request.content.read(MAX_UPDATE + 1)
        if len(body) > MAX_UPDATE:
            return web.Response(status=413, text="update too large")
        try:
            update = json.loads(body)
            if not isinstance(update, dict):
                raise BadUpdate("not an object")
            wanted = check_update(update)  # the same fields typed for every runtime
            process = runtime.accept(update)
        except (ValueError, RecursionError):
            return web.Response(status=400, text="not a Telegram update")
        if not wanted:  # a kind of update the bot did not ask for: nothing to do
            return web.Response(text="ok")
        task = asyncio.create_task(process())  # not cancelled if Telegram hangs up
        running.add(task)
        task.add_done_callback(_finished)
        done, _ = await asyncio.wait({task}, timeout=answer_within)
        if not done:
            log.warning(
                "update %s not done in %s s: answered 503", update["update_id"], answer_within
            )
            return web.Response(status=503, text="still processing; send it again")
        return web.Response(text="ok")  # a failure was logged and told; sending again won't help

    def _finished(task: asyncio.Task[None]) -> None:
        """Forget a processed update; a failure is logged by its kind, never its contents."""
        running.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("a webhook update failed: %s", type(error).__name__)

    async def finish(_app: web.Application) -> None:
        """On shutdown (no new requests by then): the updates in hand finish, each request
        answered within its bound, before the runtime closes."""
        if running:
            await asyncio.wait(set(running), timeout=answer_within)

    app.router.add_post(path, webhook)
    app.on_shutdown.append(finish)


def create_web_app(
    desk: StatusDesk,
    submissions: SubmissionStore,
    agencies: Agencies,
    webhook: tuple[str, str, TelegramRuntime] | None = None,
    *,
    answer_within: float = ANSWER_WITHIN,
    metrics: bool = True,
    metrics_token: str | None = None,
) -> web.Application:
    """The status endpoint and /healthz, with Telegram's webhook at (path, secret, runtime),
    each update answered within `answer_within` seconds, and /metrics unless `metrics` is off
    (behind `metrics_token` when given)."""
    app = web.Application(client_max_size=MAX_UPDATE)
    add_status_routes(app, desk, submissions, agencies)
    if metrics:
        add_metrics_route(app, metrics_token)
    if webhook is not None:
        add_webhook_route(app, *webhook, answer_within=answer_within)
    return app


async def serve(app: web.Application, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve `app` on host:port until `stop` is set."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("listening on %s:%s", host, port)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
