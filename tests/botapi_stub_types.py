"""Bot API objects and parameter decoding for the stand-in server in `botapi_stub.py`.

Pure helpers: they build the JSON shapes Telegram sends and turn aiogram's form fields back into
typed values. No I/O here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, ClientResponse, MultipartReader, web

Json = dict[str, Any]

BOT_USERNAME = "sme_test_bot"

# aiogram sends every field as a string: objects and lists as JSON, ints and bools JSON-encoded.
# Only the fields named here are decoded; anything else (text, data, ids) stays a string.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
    }
)
INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "cache_time",
        "message_thread_id",
        "max_connections",
        "from_chat_id",
    }
)
BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
    }
)

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """A Bot API error reply: `{"ok": false, "error_code": ..., "description": ...}`."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters  # e.g. {"retry_after": 3} with a 429


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded in a multipart request (`attach://<field>`)."""

    filename: str
    content: bytes


def now() -> int:
    """Unix time, as Telegram stamps messages."""
    return int(time.time())


def make_user(user_id: int, first_name: str = "Test", language_code: str = "zh-hans") -> Json:
    """A human Telegram user."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": language_code,
    }


def bot_user(bot_id: int) -> Json:
    """The bot itself, as getMe and `from` of its messages show it."""
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": "SME Test Bot",
        "username": BOT_USERNAME,
        "can_join_groups": False,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def private_chat(user: Json) -> Json:
    """The private chat between `user` and the bot (its id is the user's id)."""
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


def message_object(message_id: int, sender: Json, chat: Json, content: Json) -> Json:
    """A Message: who sent it where, plus its content fields (text, document, reply_markup...)."""
    return {"message_id": message_id, "date": now(), "chat": chat, "from": sender, **content}


def command_entities(text: str) -> list[Json]:
    """A bot_command entity for text such as "/start reg"; [] for ordinary text."""
    if not text.startswith("/"):
        return []
    return [{"type": "bot_command", "offset": 0, "length": len(text.split(maxsplit=1)[0])}]


def file_object(file_id: str, size: int | None = None, **extra: Any) -> Json:
    """The common part of Document, PhotoSize, Voice, Sticker."""
    obj: Json = {"file_id": file_id, "file_unique_id": f"u-{file_id}", **extra}
    if size is not None:
        obj["file_size"] = size
    return obj


def api_message(message: Json) -> Json:
    """A stored message as the API returns it: Message.reply_markup may only be inline."""
    markup = message.get("reply_markup")
    if markup is None or "inline_keyboard" in markup:
        return dict(message)
    return {key: value for key, value in message.items() if key != "reply_markup"}


def update_kind(update: Json) -> str:
    """The update's type ("message", "callback_query", ...), as allowed_updates names it."""
    return next(key for key in update if key != "update_id")


def select_updates(queue: list[Json], offset: int, allowed: list[str], limit: int) -> list[Json]:
    """What getUpdates returns from the unconfirmed queue (offset <= 0 means "all")."""
    return [
        u for u in queue if u["update_id"] >= offset and (not allowed or update_kind(u) in allowed)
    ][:limit]


def apply_edit(message: Json, params: Json) -> None:
    """editMessageText/ReplyMarkup: like Telegram, an omitted reply_markup drops the keyboard."""
    text, markup = params.get("text", message.get("text")), params.get("reply_markup")
    if text == message.get("text") and markup == message.get("reply_markup"):
        raise ApiError(400, NOT_MODIFIED)
    message.update(edit_date=now(), reply_markup=markup, **({"text": text} if text else {}))
    if markup is None:
        del message["reply_markup"]


def chat_id_of(params: Json) -> int:
    """The numeric chat_id of a call (the stub knows no @channel usernames)."""
    if not isinstance(params.get("chat_id"), int):
        raise ApiError(400, "Bad Request: chat not found")
    return int(params["chat_id"])


def caption_of(params: Json) -> Json:
    """The caption field of a sent media message, if any."""
    return {"caption": params["caption"]} if params.get("caption") else {}


def decode_params(raw: Mapping[str, Any], uploads: Mapping[str, Upload]) -> Json:
    """Turn form/query strings back into typed values and resolve `attach://` uploads."""
    params: Json = {}
    for key, value in raw.items():
        if not isinstance(value, str):
            params[key] = value
        elif value.startswith("attach://") and value[9:] in uploads:
            params[key] = uploads[value[9:]]
        elif key in JSON_FIELDS:
            params[key] = json.loads(value)
        elif key in INT_FIELDS:
            params[key] = int(value) if value.lstrip("-").isdigit() else value
        elif key in BOOL_FIELDS:
            params[key] = value == "true"
        else:
            params[key] = value
    referenced = {v[9:] for v in raw.values() if isinstance(v, str) and v.startswith("attach://")}
    for key, upload in uploads.items():  # a file sent as the field itself (python-telegram-bot)
        if key not in referenced:
            params.setdefault(key, upload)
    return params


async def read_params(request: web.Request) -> Json:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.content_type == "application/json":
        return {**decode_params(raw, uploads), **await request.json()}
    if request.can_read_body:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                uploads[key] = Upload(value.filename, value.file.read())
            else:
                raw[key] = value
    return decode_params(raw, uploads)


async def read_webhook_reply(resp: ClientResponse) -> tuple[str, Json]:
    """The (method, params) a webhook answered with: aiogram replies multipart form data."""
    fields: dict[str, Any] = {}
    async for part in MultipartReader.from_response(resp):
        assert isinstance(part, BodyPartReader) and part.name
        fields[part.name] = (
            await part.text()
            if part.filename is None
            else Upload(part.filename, bytes(await part.read()))
        )
    uploads = {key: value for key, value in fields.items() if isinstance(value, Upload)}
    return fields.pop("method"), decode_params(fields, uploads)


def api_reply(result: Any = None, error: ApiError | None = None) -> web.Response:
    """A Bot API response body, with the HTTP status Telegram uses."""
    if error is not None:
        body = {"ok": False, "error_code": error.error_code, "description": error.description}
        if error.parameters:
            body["parameters"] = error.parameters
        return web.json_response(body, status=error.error_code)
    return web.json_response({"ok": True, "result": result})
