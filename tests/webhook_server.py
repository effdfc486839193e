"""The bot's web server in-process, in webhook mode, on a Telegram runtime and the stand-in Bot
API: Telegram's webhook and the agencies' status endpoint on one loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from botapi_stub import BotApiStub
from redis.asyncio import Redis

from bot.config import Settings
from bot.core.commands import commands_menu
from bot.handoff.api import STATUS_PATH
from bot.serve import create_runtime
from bot.web import create_web_app
from bot.wiring import App, create_app
from flows.policy.loader import load_policy_data

SECRET = "s3cret-token"
AGENCY_SECRET = "agency-s3cret"


def agencies_file(folder: Path) -> Path:
    """One agency for every office, reporting statuses signed with AGENCY_SECRET."""
    offices = ", ".join(f'"{o.id}"' for o in load_policy_data().offices)
    path = folder / "agencies.toml"
    path.write_text(
        f"""
[[agency]]
id = "all"
name = {{ zh = "全部", en = "All offices" }}
offices = [{offices}]
transport = "https"
url = "https://inbox.example.gov.cn/bundles"
secrets = ["{AGENCY_SECRET}"]
"""
    )
    return path


@dataclass
class Served:
    api: BotApiStub
    url: str  # the webhook
    status_url: str
    app: App
    runner: web.AppRunner  # cleanup() shuts the server down as a SIGTERM would


@asynccontextmanager
async def serve_webhook(
    redis: Redis,
    redis_url: str,
    prefix: str,
    runtime: str,
    folder: Path,
    *,
    api: BotApiStub | None = None,
    **settings: Any,
) -> AsyncIterator[Served]:
    """One bot process's web server (its own `App`), on the stand-in Bot API `api` (a new one
    unless given: several servers may share one, as processes share Telegram); `settings`
    override the defaults (e.g. webhook_answer_within)."""
    async with AsyncExitStack() as stack:
        if api is None:
            api = await stack.enter_async_context(BotApiStub())
        config = Settings(
            telegram_bot_token="123456:TEST",
            telegram_api_url=api.base_url,
            redis_url=redis_url,
            redis_prefix=prefix,
            bot_mode="webhook",
            webhook_url="https://bot.example",
            webhook_secret=SECRET,
            bot_runtime=runtime,
            agencies_file=agencies_file(folder),
            **settings,
        )
        app = create_app(config, redis)
        telegram = create_runtime(app)
        await telegram.start(commands_menu(app.renderer, config.default_locale))
        await telegram.set_webhook("https://bot.example" + config.webhook_path, SECRET)
        hook = (config.webhook_path, SECRET, telegram)
        web_app = create_web_app(
            app.desk(),
            app.submissions,
            app.agencies,
            hook,
            answer_within=config.webhook_answer_within,
        )
        runner = web.AppRunner(web_app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            yield Served(api, base + config.webhook_path, base + STATUS_PATH, app, runner)
        finally:
            await runner.cleanup()
            await telegram.close()
