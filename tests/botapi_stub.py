"""A stand-in Telegram Bot API server on loopback, so tests drive the real aiogram Bot over HTTP.

Point aiogram at it with `AiohttpSession(api=TelegramAPIServer.from_base(stub.base_url))`; feed
updates with `push_*`, read what the bot sent with `messages_to` / `wait_for_message`.
"""

from __future__ import annotations

import asyncio
import copy
from collections import defaultdict
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any, Self, TypeVar

import aiohttp
import botapi_stub_types as tg
from aiohttp import web
from botapi_limits import SENDS, Limits
from botapi_stub_types import ApiError, Json, Upload

T = TypeVar("T")
MessagePredicate = Callable[[Json], bool]
ApiMethod = Callable[[Json, int], Awaitable[Any]]


class BotApiStub:
    """Feeds the bot updates and records its calls, the way api.telegram.org would."""

    def __init__(self) -> None:
        self.base_url = ""
        self.sent: list[tuple[str, Json]] = []  # every call except getUpdates, in order
        self.callback_answers: list[Json] = []
        self.commands: dict[str, list[Json]] = {}  # language_code ("" = default) -> commands
        self.webhook: Json = {"url": ""}
        self.pushed: dict[int, Json] = {}  # update_id -> the update last pushed with that id
        self._queue: list[Json] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] = []
        self._chats: dict[int, list[Json]] = defaultdict(list)  # the bot's messages per chat
        self._last_message_id: dict[int, int] = defaultdict(int)
        self._changed_at: dict[tuple[int, int], int] = {}
        self._revision = 0
        self._push_revision = 0
        self._files: dict[str, tuple[bytes, str]] = {}  # file_id -> (content, file_path)
        self._callback_ids = 0
        self._bot_id = 0
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.limits = Limits(enforce=False)  # Telegram's send limits, off unless enabled
        self.sending = asyncio.Event()  # clear it to hold every send until it is set again
        self.sending.set()
        self._methods: dict[str, ApiMethod] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "close": self._true,
            "logout": self._true,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message,
            "editmessagereplymarkup": self._edit_message,
            "answercallbackquery": self._answer_callback_query,
            "sendchataction": self._true,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "getfile": self._get_file,
            "deletemessage": self._delete_message,
        }

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on host:port (0 = an ephemeral port) and set `base_url`."""
        app = web.Application(client_max_size=50 * 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.base_url = f"http://{host}:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        """Answer pending long polls with [] and shut the server down."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- feeding the bot ------------------------------------------------------------------------

    def push_update(self, raw: Json, update_id: int | None = None) -> int:
        """Queue a raw update; pass an existing `update_id` to simulate a redelivery."""
        if update_id is None:
            update_id = raw.get("update_id") or self._next_update_id
        self._next_update_id = max(self._next_update_id, update_id + 1)
        update = {**copy.deepcopy(raw), "update_id": update_id}
        self.pushed[update_id] = update
        self._queue.append(update)
        self._push_revision = self._revision
        self._notify()
        return update_id

    def push_message(self, user_id: int, text: str, language_code: str = "zh-hans") -> int:
        """A private text message; "/cmd args" gets a bot_command entity."""
        entities = tg.command_entities(text)
        return self._push_user_message(
            user_id, language_code, text=text, **({"entities": entities} if entities else {})
        )

    def push_callback(
        self, user_id: int, data: str, message_id: int, language_code: str = "zh-hans"
    ) -> int:
        """A button press on the bot's message `message_id` in the user's private chat."""
        message = self._find_message(user_id, message_id)
        if message is None:
            raise AssertionError(f"the bot has no message {message_id} in chat {user_id}")
        self._callback_ids += 1
        user = tg.make_user(user_id, language_code=language_code)
        return self.push_update(
            {
                "callback_query": {
                    "id": str(self._callback_ids),
                    "from": user,
                    "message": tg.api_message(message),
                    "chat_instance": str(user_id),
                    "data": data,
                }
            }
        )

    def push_document(
        self,
        user_id: int,
        file_id: str,
        file_name: str,
        mime_type: str,
        file_size: int,
        *,
        content: bytes | None = None,
        language_code: str = "zh-hans",
        album: str | None = None,
        unique_id: str | None = None,
    ) -> int:
        """A document from the user; with `content`, getFile/download serve those bytes; with
        `album`, one of several files sent together (Telegram's `media_group_id`); `unique_id`
        is its `file_unique_id` (the same for the same file sent again under a new file_id)."""
        if content is not None:
            self.register_file(file_id, content, f"documents/{file_id}/{file_name}")
        unique = {"file_unique_id": unique_id} if unique_id else {}
        document = tg.file_object(
            file_id, file_size, file_name=file_name, mime_type=mime_type, **unique
        )
        grouped = {"media_group_id": album} if album else {}
        return self._push_user_message(user_id, language_code, document=document, **grouped)

    def push_photo(
        self,
        user_id: int,
        file_id: str,
        file_size: int,
        language_code: str = "zh-hans",
        *,
        content: bytes | None = None,
    ) -> int:
        """A photo from the user (one PhotoSize); with `content`, getFile/download serve it."""
        if content is not None:
            self.register_file(file_id, content, f"photos/{file_id}.jpg")
        photo = [tg.file_object(file_id, file_size, width=800, height=600)]
        return self._push_user_message(user_id, language_code, photo=photo)

    def push_sticker(self, user_id: int, language_code: str = "zh-hans") -> int:
        """A sticker from the user."""
        sticker = tg.file_object(
            "sticker-1",
            1024,
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
            emoji="👍",
        )
        return self._push_user_message(user_id, language_code, sticker=sticker)

    def push_voice(self, user_id: int, language_code: str = "zh-hans") -> int:
        """A voice note from the user."""
        voice = tg.file_object("voice-1", 2048, duration=3, mime_type="audio/ogg")
        return self._push_user_message(user_id, language_code, voice=voice)

    def register_file(self, file_id: str, content: bytes, file_path: str) -> None:
        """Make `file_id` known to getFile and downloadable at /file/bot<token>/<file_path>."""
        self._files[file_id] = (content, file_path)

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a registered or bot-uploaded file."""
        return self._files[file_id][0]

    async def post_webhook(
        self,
        url: str,
        update: Json,
        secret_token: str | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> int:
        """POST an update to the bot's webhook like Telegram does; run a method it replies with.
        On `session` when given (Telegram keeps its connections), else on one of its own."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token} if secret_token else {}
        update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        async with AsyncExitStack() as stack:
            if session is None:
                session = await stack.enter_async_context(aiohttp.ClientSession())
            resp = await stack.enter_async_context(session.post(url, json=update, headers=headers))
            if resp.content_type == "multipart/form-data":  # a method call as the reply
                await self._call(*await tg.read_webhook_reply(resp))
            return resp.status

    # -- reading what the bot did ---------------------------------------------------------------

    @property
    def revision(self) -> int:
        """A counter bumped by every new or edited bot message (see `wait_for_message`)."""
        return self._revision

    def messages_to(self, chat_id: int) -> list[Json]:
        """The bot's messages in a chat, oldest first, edits applied."""
        return copy.deepcopy(self._chats[chat_id])

    def last_message(self, chat_id: int) -> Json:
        """The bot's newest message in a chat."""
        messages = self._chats[chat_id]
        if not messages:
            raise AssertionError(f"the bot sent nothing to chat {chat_id}")
        return copy.deepcopy(messages[-1])

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: MessagePredicate | None = None,
        timeout: float = 10.0,
        *,
        since: int | None = None,
    ) -> Json:
        """The first bot message sent or edited after `since` (default: the last push) that
        satisfies `predicate`."""
        after = self._push_revision if since is None else since

        def match() -> Json | None:
            fresh = [
                m
                for m in self._chats[chat_id]
                if self._changed_at[(chat_id, m["message_id"])] > after
            ]
            fresh.sort(key=lambda m: self._changed_at[(chat_id, m["message_id"])])
            return next(
                (copy.deepcopy(m) for m in fresh if predicate is None or predicate(m)), None
            )

        found = await self._wait_until(match, timeout)
        if found is None:
            recent = [
                (m["message_id"], m.get("text") or m.get("caption"))
                for m in self._chats[chat_id][-5:]
            ]
            raise AssertionError(
                f"no matching bot message to chat {chat_id} within {timeout}s; "
                f"last messages (id, text): {recent}"
            )
        return found

    @staticmethod
    def buttons(message: Json) -> list[tuple[str, str]]:
        """(text, callback_data) of every inline button, row by row; url buttons give the url."""
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return [
            (button["text"], button.get("callback_data") or button.get("url", ""))
            for row in rows
            for button in row
        ]

    # -- HTTP -----------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        bot_id = request.match_info["token"].split(":")[0]
        if not bot_id.isdigit():
            return tg.api_reply(error=ApiError(401, "Unauthorized"))
        self._bot_id = int(bot_id)
        try:
            result = await self._call(request.match_info["method"], await tg.read_params(request))
        except ApiError as error:
            return tg.api_reply(error=error)
        return tg.api_reply(result)

    async def _handle_file(self, request: web.Request) -> web.Response:
        by_path = {path: content for content, path in self._files.values()}
        if (content := by_path.get(request.match_info["path"])) is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=content)

    async def _call(self, method: str, params: Json) -> Any:
        handler = self._methods.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        if method.lower() in SENDS:
            await self.sending.wait()
            self.limits.check(tg.chat_id_of(params))
        if method.lower() != "getupdates":
            self.sent.append((method, params))
        return await handler(params, self._bot_id)

    # -- state helpers --------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, check: Callable[[], T | None], timeout: float) -> T | None:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            changed = self._changed
            if (result := check()) is not None or self._closing:
                return result
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                pass

    def _push_user_message(self, user_id: int, language_code: str, **content: Any) -> int:
        user = tg.make_user(user_id, language_code=language_code)
        chat = tg.private_chat(user)
        message = tg.message_object(self._new_message_id(user_id), user, chat, content)
        return self.push_update({"message": message})

    def _new_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] += 1
        return self._last_message_id[chat_id]

    def _find_message(self, chat_id: int, message_id: int) -> Json | None:
        return next((m for m in self._chats[chat_id] if m["message_id"] == message_id), None)

    def _touch(self, chat_id: int, message: Json) -> Json:
        self._revision += 1
        self._changed_at[(chat_id, message["message_id"])] = self._revision
        self._notify()
        return tg.api_message(message)

    def _store(self, params: Json, bot_id: int, **content: Any) -> Json:
        chat_id = tg.chat_id_of(params)
        if params.get("reply_markup") is not None:
            content["reply_markup"] = params["reply_markup"]
        chat = tg.private_chat(tg.make_user(chat_id))
        message = tg.message_object(
            self._new_message_id(chat_id), tg.bot_user(bot_id), chat, content
        )
        self._chats[chat_id].append(message)
        return self._touch(chat_id, message)

    def _file(self, value: Any, folder: str) -> tuple[str, str | None, int | None]:
        """(file_id, file_name, size) for an uploaded file or a file_id/URL the bot passed."""
        if isinstance(value, Upload):
            file_id = f"{folder}-{len(self._files) + 1}"
            self.register_file(file_id, value.content, f"{folder}/{value.filename}")
            return file_id, value.filename, len(value.content)
        content = self._files.get(str(value), (None, ""))[0]
        return str(value), None, None if content is None else len(content)

    # -- Bot API methods ------------------------------------------------------------------------

    async def _true(self, params: Json, bot_id: int) -> bool:
        return True

    async def _get_me(self, params: Json, bot_id: int) -> Json:
        return tg.bot_user(bot_id)

    async def _get_updates(self, params: Json, bot_id: int) -> list[Json]:
        if self.webhook["url"]:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset") or 0
        if offset:  # confirms every update below offset, for good; -N keeps the last N
            self._queue = (
                self._queue[offset:]
                if offset < 0
                else [u for u in self._queue if u["update_id"] >= offset]
            )
        self._allowed_updates = params.get("allowed_updates", self._allowed_updates)
        limit = min(max(params.get("limit") or 100, 1), 100)

        def ready() -> list[Json] | None:
            batch = tg.select_updates(self._queue, offset, self._allowed_updates, limit)
            return copy.deepcopy(batch) if batch else None

        return await self._wait_until(ready, float(params.get("timeout") or 0)) or []

    async def _set_webhook(self, params: Json, bot_id: int) -> bool:
        """setWebhook, and deleteWebhook (which passes no url)."""
        self.webhook = {"url": "", **{k: v for k, v in params.items() if k != "certificate"}}
        if params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    async def _get_webhook_info(self, params: Json, bot_id: int) -> Json:
        return {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }

    async def _set_my_commands(self, params: Json, bot_id: int) -> bool:
        self.commands[params.get("language_code", "")] = params["commands"]
        return True

    async def _get_my_commands(self, params: Json, bot_id: int) -> list[Json]:
        return self.commands.get(params.get("language_code", ""), [])

    async def _delete_my_commands(self, params: Json, bot_id: int) -> bool:
        self.commands.pop(params.get("language_code", ""), None)
        return True

    async def _send_message(self, params: Json, bot_id: int) -> Json:
        if not params.get("text", "").strip():
            raise ApiError(400, "Bad Request: message text is empty")
        return self._store(params, bot_id, text=params["text"])

    async def _edit_message(self, params: Json, bot_id: int) -> Json:
        chat_id = tg.chat_id_of(params)
        message = self._find_message(chat_id, params.get("message_id", 0))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        tg.apply_edit(message, params)
        return self._touch(chat_id, message)

    async def _answer_callback_query(self, params: Json, bot_id: int) -> bool:
        self.callback_answers.append(params)
        return True

    async def _send_document(self, params: Json, bot_id: int) -> Json:
        file_id, name, size = self._file(params["document"], "documents")
        document = tg.file_object(file_id, size, **({"file_name": name} if name else {}))
        return self._store(params, bot_id, document=document, **tg.caption_of(params))

    async def _send_photo(self, params: Json, bot_id: int) -> Json:
        file_id, _, size = self._file(params["photo"], "photos")
        photo = [tg.file_object(file_id, size, width=800, height=600)]
        return self._store(params, bot_id, photo=photo, **tg.caption_of(params))

    async def _get_file(self, params: Json, bot_id: int) -> Json:
        if params.get("file_id") not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        content, path = self._files[params["file_id"]]
        return tg.file_object(params["file_id"], len(content), file_path=path)

    async def _delete_message(self, params: Json, bot_id: int) -> bool:
        chat_id = tg.chat_id_of(params)
        message = self._find_message(chat_id, params.get("message_id", 0))
        if message is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._chats[chat_id].remove(message)
        self._changed_at.pop((chat_id, message["message_id"]), None)
        return True
