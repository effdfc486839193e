"""The aiogram channel's own sendMessage (`SendText`): on the wire it is what aiogram's
`send_message` sends for the same text and keyboard, and its answer is read as the id."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods.base import TelegramMethod

from bot.channels.aiogram.channel import AiogramChannel, markup, markup_json
from flows.engine.address import Address

ROWS = (
    (("⬅️ 上一步", "b:fx:3"), ("❓ Help", "h:fx:3")),
    (('Say "yes" & <go>', "p:fx:3:y"),),
)


class Wire(BaseSession):
    """Records each request's form fields as aiogram prepares them, and answers with a whole
    Message (chat, sender, the keyboard echoed back), as Telegram does."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        files: dict[str, Any] = {}
        form = {
            key: prepared
            for key, value in method.model_dump(warnings=False).items()
            if (prepared := self.prepare_value(value, bot=bot, files=files)) is not None
        }
        self.forms.append({"method": method.__api_method__, **form})
        message = {
            "message_id": 41 + len(self.forms),
            "date": 1_796_100_000,
            "chat": {"id": int(form["chat_id"]), "type": "private"},
            "from": {"id": 1, "is_bot": True, "first_name": "bot"},
            "text": form["text"],
        }
        if "reply_markup" in form:
            message["reply_markup"] = json.loads(form["reply_markup"])
        content = self.json_dumps({"ok": True, "result": message})
        return self.check_response(bot, method, 200, content).result

    async def close(self) -> None:
        pass

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


@pytest.mark.parametrize("rows", [ROWS, ()])
async def test_a_sent_text_is_on_the_wire_what_aiogram_sends_and_its_id_comes_back(rows):
    session = Wire()
    bot = Bot("42:TEST", session=session)
    sent = await AiogramChannel(bot).send_part(Address.telegram(7), "第 3/7 步", rows)
    await bot.send_message(7, "第 3/7 步", reply_markup=markup(rows))
    ours, aiograms = session.forms
    assert ours == aiograms
    assert sent == "42"


def test_the_keyboard_json_is_the_models_json():
    prepared = Wire().prepare_value(
        markup(ROWS).model_dump(warnings=False),  # type: ignore[union-attr]
        bot=Bot("42:TEST"),
        files={},
    )
    assert markup_json(ROWS) == prepared
    assert markup_json(()) is None
