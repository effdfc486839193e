"""The shape of a Bot API update, checked before a library reads it: python-telegram-bot's
`de_json` takes any JSON types as they come, so a webhook body with a number for a name or
without a chat would fail deep inside a handler. The fields the core reads, typed as the Bot
API documents them; anything else in the update is left to the library."""

from __future__ import annotations

from typing import Any

from bot.core.commands import ALLOWED_UPDATES, BadUpdate

Shape = dict[str, tuple[Any, bool]]  # field -> (type, or a nested shape, or [shape]; required)


class Token(str):
    """Text the bot sends back to Telegram as it came (a callback query's or a file's id): it
    must be valid Unicode, where a founder's text may hold a lone surrogate (it is cleaned)."""


USER: Shape = {
    "id": (int, True),
    "is_bot": (bool, False),
    "first_name": (str, True),
    "last_name": (str, False),
    "language_code": (str, False),
}
CHAT: Shape = {"id": (int, True), "type": (str, False)}
FILE: Shape = {
    "file_id": (Token, True),
    "file_unique_id": (Token, False),
    "file_size": (int, False),
}
DOCUMENT: Shape = {**FILE, "file_name": (str, False), "mime_type": (str, False)}
REPLIED: Shape = {"message_id": (int, True), "date": (int, True), "chat": (CHAT, True)}
MESSAGE: Shape = {
    **REPLIED,
    "from": (USER, False),
    "text": (str, False),
    "caption": (str, False),
    "document": (DOCUMENT, False),
    "photo": ([FILE], False),
    "reply_to_message": (REPLIED, False),
}
CALLBACK: Shape = {
    "id": (Token, True),
    "from": (USER, True),
    "data": (str, False),
    "message": (REPLIED, False),
}
UPDATE: Shape = {
    "update_id": (int, True),
    "message": (MESSAGE, False),
    "edited_message": (MESSAGE, False),
    "callback_query": (CALLBACK, False),
}


def check_update(update: dict[str, Any]) -> bool:
    """Raise `BadUpdate` naming the first field whose type is not the Bot API's; whether the
    update carries an event the bot subscribes to (aiogram warns of any other kind, with the
    whole update in the warning)."""
    _check(update, UPDATE, "update")
    return any(update.get(kind) is not None for kind in ALLOWED_UPDATES)


def _check(value: dict[str, Any], shape: Shape, where: str) -> None:
    for name, (kind, required) in shape.items():
        field = value.get(name)
        if field is None:
            if required:
                raise BadUpdate(f"{where}.{name} missing")
            continue
        if isinstance(kind, dict):
            if not isinstance(field, dict):
                raise BadUpdate(f"{where}.{name} is not an object")
            _check(field, kind, f"{where}.{name}")
        elif isinstance(kind, list):
            if not isinstance(field, list) or not all(isinstance(i, dict) for i in field):
                raise BadUpdate(f"{where}.{name} is not a list of objects")
            for item in field:
                _check(item, kind[0], f"{where}.{name}[]")
        elif kind is Token:
            if not isinstance(field, str) or not field.isprintable():  # a surrogate is not
                raise BadUpdate(f"{where}.{name} is not an id")
        elif not isinstance(field, kind) or (kind is int and isinstance(field, bool)):
            raise BadUpdate(f"{where}.{name} is not {kind.__name__}")
