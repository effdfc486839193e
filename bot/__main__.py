"""`python -m bot [telegram|chat|diagrams DIR|check]`: the bot's processes.

With no command: the Telegram bot when TELEGRAM_BOT_TOKEN is set, else the local chat.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.config import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("telegram", help="run the Telegram bot (BOT_MODE=polling or webhook)")
    sub.add_parser("chat", help="run the local chat in this terminal")
    sub.add_parser("check", help="validate the settings, policy data and catalogs, then exit")
    diagrams = sub.add_parser("diagrams", help="write each flow's Mermaid diagram into a folder")
    diagrams.add_argument("folder", type=Path)
    return parser


async def _serve(settings: Settings, command: str) -> None:
    from bot.wiring import create_redis, create_service

    redis = create_redis(settings)
    try:
        service = create_service(settings, redis)
        await redis.ping()
        if command == "chat":
            from bot.chat import LocalChat

            await LocalChat(service, settings.chat_user_id).run()
        elif settings.bot_mode == "webhook":
            from bot.telegram.app import run_webhook

            await run_webhook(settings, service)
        else:
            from bot.telegram.app import run_polling

            await run_polling(settings, service)
    finally:
        await redis.aclose()


def main(argv: list[str] | None = None) -> int:
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
    if command == "diagrams":
        from bot.diagrams import write_diagrams

        for path in write_diagrams(settings, args.folder):
            print(path)
        return 0
    if command == "check":
        from bot.wiring import create_redis, create_service

        settings.check_webhook()
        create_service(settings, create_redis(settings))
        print("settings, policy data and catalogs are valid")
        return 0
    if command == "telegram":
        if settings.telegram_bot_token is None:
            print("TELEGRAM_BOT_TOKEN is not set", file=sys.stderr)
            return 2
        settings.check_webhook()
    try:
        asyncio.run(_serve(settings, command))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
