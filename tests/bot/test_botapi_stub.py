"""The stand-in Bot API server works with the real aiogram Bot and Dispatcher over loopback HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.filters import CommandObject, CommandStart
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from botapi_stub import BotApiStub

USER = 4242
KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [
            InlineKeyboardButton(text="是", callback_data="pick:yes"),
            InlineKeyboardButton(text="否", callback_data="pick:no"),
        ],
        [InlineKeyboardButton(text="条例", url="https://example.org/law")],
    ]
)


@pytest.fixture
async def api() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as stub:
        yield stub


@pytest.fixture
async def bot(api: BotApiStub) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    bot = Bot(token="123:ABC", session=session)
    try:
        yield bot
    finally:
        await bot.session.close()


def create_router(seen: list[int]) -> Router:
    """A tiny bot: /start offers two buttons; a press edits the prompt and answers the query."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        seen.append(message.message_id)
        await message.answer(f"欢迎 ({command.args})", reply_markup=KEYBOARD)

    @router.callback_query(F.data.startswith("pick:"))
    async def pick(query: CallbackQuery) -> None:
        await query.answer("收到")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"你选了 {query.data}")

    return router


@asynccontextmanager
async def polling(dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    """Run real long polling in a task; stop it cleanly and surface its errors."""
    started = asyncio.Event()

    async def on_startup() -> None:
        started.set()

    dp.startup.register(on_startup)
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, polling_timeout=1, close_bot_session=False)
    )
    await asyncio.wait_for(started.wait(), 5)
    try:
        yield
    finally:
        await dp.stop_polling()
        await task


async def test_get_me_over_http(bot: Bot, api: BotApiStub) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123, "sme_test_bot", True)
    assert api.sent == [("getMe", {})]


async def test_sent_and_edited_messages_are_recorded(bot: Bot, api: BotApiStub) -> None:
    sent = await bot.send_message(USER, "第一条", reply_markup=KEYBOARD)
    # compare dumps: pydantic's == also compares the private bot reference aiogram attaches
    assert sent.reply_markup and sent.reply_markup.model_dump() == KEYBOARD.model_dump()
    assert sent.from_user and sent.from_user.is_bot
    [message] = api.messages_to(USER)
    assert message["text"] == "第一条"
    assert api.buttons(message) == [
        ("是", "pick:yes"),
        ("否", "pick:no"),
        ("条例", "https://example.org/law"),
    ]

    await bot.edit_message_text(
        "改过了", chat_id=USER, message_id=sent.message_id, reply_markup=KEYBOARD
    )
    assert api.last_message(USER)["text"] == "改过了"
    assert api.buttons(api.last_message(USER))[0] == ("是", "pick:yes")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "改过了", chat_id=USER, message_id=sent.message_id, reply_markup=KEYBOARD
        )

    await bot.edit_message_text("无按钮", chat_id=USER, message_id=sent.message_id)
    assert "reply_markup" not in api.last_message(USER)  # Telegram drops an omitted keyboard
    second = await bot.send_message(USER, "第二条")
    assert second.message_id == sent.message_id + 1
    assert await bot.delete_message(USER, second.message_id)
    assert [m["text"] for m in api.messages_to(USER)] == ["无按钮"]


async def test_dispatcher_receives_message_and_callback(bot: Bot, api: BotApiStub) -> None:
    seen: list[int] = []
    dp = Dispatcher()
    dp.include_router(create_router(seen))
    async with polling(dp, bot):
        api.push_message(USER, "/start reg")
        prompt = await api.wait_for_message(USER, lambda m: m["text"].startswith("欢迎"))
        assert prompt["text"] == "欢迎 (reg)"
        assert api.buttons(prompt)[1] == ("否", "pick:no")

        api.push_callback(USER, "pick:no", prompt["message_id"])
        edited = await api.wait_for_message(USER, lambda m: m["text"].startswith("你选了"))
        assert edited["message_id"] == prompt["message_id"]
        assert [a["text"] for a in api.callback_answers] == ["收到"]
    assert len(seen) == 1
    assert api.sent[0][0] == "getMe"


async def test_wait_for_message_reports_recent_messages(bot: Bot, api: BotApiStub) -> None:
    await bot.send_message(USER, "旧消息")
    with pytest.raises(AssertionError, match="旧消息"):
        await api.wait_for_message(USER, lambda m: m["text"] == "不存在", timeout=0.2)


async def test_unconfirmed_update_is_redelivered_until_offset(bot: Bot, api: BotApiStub) -> None:
    first = api.push_message(USER, "你好")
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [first]
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [first]

    api.push_update(api.pushed[first], update_id=first)
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [first, first]
    assert await bot.get_updates(offset=first + 1, timeout=0) == []
    assert await bot.get_updates(timeout=0) == []
    assert api.push_message(USER, "再来") == first + 1


async def test_long_poll_waits_for_a_push_then_times_out(bot: Bot, api: BotApiStub) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == []
    assert loop.time() - started >= 0.9

    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    update_id = api.push_message(USER, "到了")
    assert [u.update_id for u in await asyncio.wait_for(poll, 2)] == [update_id]


async def test_restarted_polling_sees_a_redelivered_update(bot: Bot, api: BotApiStub) -> None:
    seen: list[int] = []
    dp = Dispatcher()
    dp.include_router(create_router(seen))
    async with polling(dp, bot):
        update_id = api.push_message(USER, "/start a")
        await api.wait_for_message(USER)
    assert (await bot.get_webhook_info()).pending_update_count == 0  # confirmed by offset
    api.push_update(api.pushed[update_id], update_id=update_id)  # as if never confirmed
    async with polling(dp, bot):
        await api.wait_for_message(USER)
    assert len(seen) == 2 and seen[0] == seen[1]


async def test_files_download_and_upload(bot: Bot, api: BotApiStub) -> None:
    api.register_file("doc-1", b"%PDF-1.4 test", "documents/license.pdf")
    file = await bot.get_file("doc-1")
    assert file.file_path == "documents/license.pdf"
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"%PDF-1.4 test"
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("missing")

    sent = await bot.send_document(
        USER, BufferedInputFile(b"a,b\n1,2\n", "report.csv"), caption="报表"
    )
    assert sent.document is not None and sent.document.file_name == "report.csv"
    assert api.file_content(sent.document.file_id) == b"a,b\n1,2\n"
    assert api.last_message(USER)["caption"] == "报表"


async def test_commands_webhook_state_and_unknown_method(bot: Bot, api: BotApiStub) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="开始")])
    await bot.set_my_commands(
        [BotCommand(command="start", description="Start")], language_code="en"
    )
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    assert api.commands[""] == [{"command": "start", "description": "开始"}]
    assert await bot.delete_my_commands(language_code="en")
    assert "en" not in api.commands

    await bot.set_webhook("https://bot.example/hook", secret_token="s3cret")
    assert (await bot.get_webhook_info()).url == "https://bot.example/hook"
    with pytest.raises(TelegramConflictError):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""

    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api.base_url}/bot123:ABC/fooBar", json={}) as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        markup = {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}
        body = {"chat_id": USER, "text": "JSON 正文", "reply_markup": markup}
        async with http.post(f"{api.base_url}/bot123:ABC/sendMessage", json=body) as resp:
            assert (await resp.json())["result"]["reply_markup"] == markup
    assert api.buttons(api.last_message(USER)) == [("好", "ok")]


async def test_post_webhook_delivers_and_runs_the_reply_method(bot: Bot, api: BotApiStub) -> None:
    dp = Dispatcher()
    router = Router()

    @router.message()
    async def echo(message: Message) -> SendMessage:
        return message.answer(f"回声: {message.text}")  # replied in the webhook response body

    dp.include_router(router)
    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token="s3cret").register(
        app, path="/hook"
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        update = api.pushed[api.push_message(USER, "测试")]
        assert await api.post_webhook(url, update, secret_token="wrong") == 401
        assert await api.post_webhook(url, update, secret_token="s3cret") == 200
        assert api.last_message(USER)["text"] == "回声: 测试"
    finally:
        await runner.cleanup()
