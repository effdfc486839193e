"""`python -m bot [telegram|chat|worker|api|agency-inbox|diagrams DIR|check|doctor|dead-letters|timers]`:
the processes, and the operators' commands (`bot.ops`).

With no command: the Telegram bot when TELEGRAM_BOT_TOKEN is set, else the local chat.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.config import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser(
        "telegram", help="run the Telegram bot (BOT_RUNTIME=aiogram|ptb, BOT_MODE=polling|webhook)"
    )
    sub.add_parser("chat", help="run the local chat in this terminal")
    sub.add_parser(
        "worker", help="deliver submitted applications to the agencies and send broadcasts"
    )
    sub.add_parser("api", help="serve the status endpoint for agency systems on HOST:PORT")
    inbox = sub.add_parser(
        "agency-inbox", help="run the reference receiver an agency integrates against"
    )
    inbox.add_argument("--host", default="127.0.0.1")
    inbox.add_argument("--port", type=int, default=8090)
    inbox.add_argument("--folder", type=Path, default=Path("var/agency-received"))
    inbox.add_argument(
        "--secret",
        action="append",
        default=[],
        help="shared secret (repeat for rotation; default: $AGENCY_SECRET)",
    )
    inbox.add_argument(
        "--bot-status-url",
        default=None,
        help="the bot's status endpoint, to post 'accepted' back for each new bundle",
    )
    inbox.add_argument("--tls-cert", type=Path, help="serve HTTPS with this PEM certificate")
    inbox.add_argument("--tls-key", type=Path, help="the PEM private key of --tls-cert")
    inbox.add_argument("--client-ca", type=Path, help="require client certificates it signed")
    sub.add_parser(
        "check", help="validate the settings, policy data, agencies and catalogs, then exit"
    )
    from bot.ops import add_parsers

    add_parsers(sub)
    diagrams = sub.add_parser("diagrams", help="write each flow's Mermaid diagram into a folder")
    diagrams.add_argument("folder", type=Path)
    return parser


async def _until_stopped(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `main(stop)`; SIGTERM and SIGINT set `stop`."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await main(stop)


async def _serve(settings: Settings, command: str) -> None:
    from bot.wiring import create_app, create_redis

    redis = create_redis(settings)
    try:
        app = create_app(settings, redis)
        await redis.ping()
        await app.outbox.ensure_group()
        if command == "chat":
            from bot.channels.local.chat import LocalChat
            from bot.serve import embedded_worker

            chat = LocalChat(
                app.service,
                settings.chat_user_id,
                files=settings.local_files_dir,
                desk=app.announcements(),
            )
            app.channels.add(chat.channel, replace=True)  # status notices reach the terminal
            async with embedded_worker(app):
                await chat.run()
        else:
            from bot.serve import run_api, run_telegram, run_worker

            run = {"worker": run_worker, "api": run_api}.get(command, run_telegram)
            await _until_stopped(lambda stop: run(app, stop))
    finally:
        await redis.aclose()


def _agency_inbox(args: argparse.Namespace) -> int:
    from bot.handoff.receiver import run_receiver
    from bot.handoff.tls import TLSFileError, server_context

    secrets = args.secret or [s for s in os.environ.get("AGENCY_SECRET", "").split(",") if s]
    if not secrets:
        print(
            "give --secret (or AGENCY_SECRET): the secret the bot signs bundles with",
            file=sys.stderr,
        )
        return 2
    tls = None
    try:
        if args.tls_cert or args.tls_key or args.client_ca:
            if not (args.tls_cert and args.tls_key):
                raise TLSFileError("--tls-cert", "give --tls-cert and --tls-key together")
            tls = server_context(args.tls_cert, args.tls_key, args.client_ca)
    except TLSFileError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            run_receiver(args.host, args.port, secrets, args.folder, args.bot_status_url, tls)
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run a command; a configuration error is printed (naming the variable, file, entry or
    field) and exits with status 2 instead of a traceback; a second poller exits with 3."""
    from pydantic import ValidationError

    from bot.config import SettingsError
    from bot.handoff.agencies import AgencyConfigError
    from bot.poller import SecondPoller
    from flows.engine.errors import PolicyDataError
    from flows.shell.registry import RegistryError

    try:
        return _main(argv)
    except (
        SettingsError,
        AgencyConfigError,
        PolicyDataError,
        RegistryError,
        ValidationError,
    ) as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except SecondPoller:  # logged with the other poller's host and pid
        return 3


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    command = args.command or ("telegram" if settings.telegram_bot_token else "chat")
    level = (
        logging.WARNING
        if command == "chat"
        else getattr(logging, settings.log_level.upper(), logging.INFO)
    )
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("transitions").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines hold the bot token
    if command == "diagrams":
        from bot.diagrams import write_diagrams

        for path in write_diagrams(settings, args.folder):
            print(path)
        return 0
    if command == "agency-inbox":
        return _agency_inbox(args)
    if command in ("doctor", "dead-letters", "timers", "migrate-keys"):
        from bot.ops import run

        return asyncio.run(run(args, settings))
    if command == "check":
        from bot.wiring import create_app, create_redis

        settings.check_webhook()
        create_app(settings, create_redis(settings))
        print("settings, policy data, agencies, catalogs and the PDF font are valid")
        print(f"Redis: {settings.redis_target().describe()}")
        return 0
    if command == "telegram":
        if settings.telegram_bot_token is None:
            print("TELEGRAM_BOT_TOKEN is not set", file=sys.stderr)
            return 2
        settings.check_webhook()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(settings, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
