"""The second baseline: the same 12 questions the textbook python-telegram-bot 22 way — one
`ConversationHandler(states={...}, persistent=True, name=...)`, one handler per state that
validates (the validators of `flows.engine.validators`, as `bench/baseline.py`), stores in
`context.user_data` and returns the next state, with `PicklePersistence(filepath=...)`.

PicklePersistence keeps everything in the process and writes it back every `update_interval`
(default 60 s; left so) and on shutdown, not per answer: a crash loses up to a minute of
answers, and two processes cannot share it. With `on_flush=False` (the default) every changed
user, chat and conversation state rewrites the whole file, synchronously, in that write-back:
each founder changed since the last one costs 2-3 rewrites of a file holding everyone.

Updates are processed one at a time (`concurrent_updates=False`, PTB's default): the
`ConversationHandler` and `ApplicationBuilder.concurrent_updates` docs both warn that a
ConversationHandler relies on updates being processed one by one.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram.warnings import PTBUserWarning

from bench.baseline import BUSINESS_FORMS, DISTRICTS, ORG_TYPES, START, YES_NO
from bench.baseline import PREMISES as PREMISES_OPTIONS
from bench.ptb_telegram import RecordingRequest
from bench.telegram import TOKEN, Recorder
from flows.engine import validators
from flows.engine.errors import ValidationFailed

(BUSINESS_FORM, PREMISES, APPLICANT_NAME, ID_NUMBER, MOBILE, COMPANY_NAME, STAFF,
 REGISTERED_ON, ORG_TYPE, DISTRICT, FIRST_BUSINESS, LEASE, CONFIRM) = range(13)  # fmt: skip
Context = ContextTypes.DEFAULT_TYPE


def choices(field: str, options: dict[str, str], columns: int = 2) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(label, callback_data=f"pick:{field}:{value}")
        for value, label in options.items()
    ]
    return InlineKeyboardMarkup([buttons[i : i + columns] for i in range(0, len(buttons), columns)])


def _value(update: Update) -> str:
    assert update.callback_query is not None and update.callback_query.data is not None
    return update.callback_query.data.split(":")[2]


def _text(update: Update) -> str:
    assert update.message is not None
    return update.message.text or ""


def _data(context: Context) -> dict[Any, Any]:
    assert context.user_data is not None
    return context.user_data


async def _tapped(update: Update, context: Context, field: str, value: object) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    _data(context)[field] = value


async def _ask(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(text, reply_markup=markup)


async def start(update: Update, context: Context) -> int:
    _data(context).clear()
    await _ask(update, "您计划登记哪种企业形式？", choices("business_form", BUSINESS_FORMS))
    return BUSINESS_FORM


async def business_form(update: Update, context: Context) -> int:
    await _tapped(update, context, "business_form", _value(update))
    await _ask(update, "您有用于注册地址的经营场所吗？", choices("premises", PREMISES_OPTIONS, 1))
    return PREMISES


async def premises(update: Update, context: Context) -> int:
    await _tapped(update, context, "premises", _value(update))
    await _ask(update, "请输入您的姓名（与身份证一致）：")
    return APPLICANT_NAME


async def applicant_name(update: Update, context: Context) -> int | None:
    try:
        _data(context)["applicant_name"] = validators.parse_free_text(_text(update), max_len=40)
    except ValidationFailed:
        await _ask(update, "请输入不超过40个字的姓名。")
        return None  # stay in this state
    await _ask(update, "请输入18位居民身份证号码：")
    return ID_NUMBER


async def id_number(update: Update, context: Context) -> int | None:
    try:
        _data(context)["id_number"] = validators.parse_resident_id(_text(update))
    except ValidationFailed:
        await _ask(update, "身份证号码无效，请重新输入，例如 11010519491231002X。")
        return None
    await _ask(update, "请输入手机号码，例如 13812345678：")
    return MOBILE


async def mobile(update: Update, context: Context) -> int | None:
    try:
        _data(context)["mobile"] = validators.parse_mobile(_text(update))
    except ValidationFailed:
        await _ask(update, "请输入11位手机号码，例如 13812345678。")
        return None
    await _ask(update, "请输入企业名称（与营业执照一致）：")
    return COMPANY_NAME


async def company_name(update: Update, context: Context) -> int | None:
    try:
        _data(context)["company_name"] = validators.parse_free_text(_text(update), max_len=100)
    except ValidationFailed:
        await _ask(update, "请输入不超过100个字的企业名称。")
        return None
    await _ask(update, "预计雇用多少员工？请输入数字，例如 8。")
    return STAFF


async def staff(update: Update, context: Context) -> int | None:
    try:
        _data(context)["staff"] = validators.parse_int(_text(update), maximum=1_000_000)
    except ValidationFailed:
        await _ask(update, "请输入整数，例如 8。")
        return None
    await _ask(update, "登记日期是哪天？例如 2025-03-15。")
    return REGISTERED_ON


async def registered_on(update: Update, context: Context) -> int | None:
    try:
        _data(context)["registered_on"] = validators.parse_date(
            _text(update), not_future=True
        ).isoformat()
    except ValidationFailed:
        await _ask(update, "请输入日期，例如 2025-03-15。")
        return None
    await _ask(update, "组织类型是？", choices("org_type", ORG_TYPES, 1))
    return ORG_TYPE


async def org_type(update: Update, context: Context) -> int:
    await _tapped(update, context, "org_type", _value(update))
    await _ask(update, "在哪个区登记？", choices("district", DISTRICTS, 4))
    return DISTRICT


async def district(update: Update, context: Context) -> int:
    await _tapped(update, context, "district", _value(update))
    await _ask(update, "这是您在上海的首次创业吗？", choices("first_business", YES_NO))
    return FIRST_BUSINESS


async def first_business(update: Update, context: Context) -> int:
    await _tapped(update, context, "first_business", _value(update) == "yes")
    await _ask(update, "您有经营场所的租赁合同吗？", choices("lease", YES_NO))
    return LEASE


async def lease(update: Update, context: Context) -> int:
    await _tapped(update, context, "lease", _value(update) == "yes")
    lines = "\n".join(f"{key}: {value}" for key, value in _data(context).items())
    await _ask(update, f"请核对：\n{lines}", choices("confirm", {"yes": "✅ 确认"}))
    return CONFIRM


def create_conversation() -> ConversationHandler[Context]:
    """The form as one persistent ConversationHandler, keyed per chat and user (the default)."""
    typed = filters.TEXT & ~filters.COMMAND

    def tap(field: str, callback: Any) -> list[Any]:
        return [CallbackQueryHandler(callback, pattern=f"^pick:{field}:")]

    with warnings.catch_warnings():
        # "per_message=False: CallbackQueryHandler will not be tracked for every message":
        # intended, the form is one conversation per founder, as in PTB's own examples.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("start", start, filters.Regex(f"^{START}$"))],
            states={
                BUSINESS_FORM: tap("business_form", business_form),
                PREMISES: tap("premises", premises),
                APPLICANT_NAME: [MessageHandler(typed, applicant_name)],
                ID_NUMBER: [MessageHandler(typed, id_number)],
                MOBILE: [MessageHandler(typed, mobile)],
                COMPANY_NAME: [MessageHandler(typed, company_name)],
                STAFF: [MessageHandler(typed, staff)],
                REGISTERED_ON: [MessageHandler(typed, registered_on)],
                ORG_TYPE: tap("org_type", org_type),
                DISTRICT: tap("district", district),
                FIRST_BUSINESS: tap("first_business", first_business),
                LEASE: tap("lease", lease),
                CONFIRM: [],
            },
            fallbacks=[],
            name="benchform",
            persistent=True,
        )


def create_application(filepath: Path, record: Recorder) -> Application:  # type: ignore[type-arg]
    """The Application: the Bot API answered by `record`, PicklePersistence at `filepath`."""
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(RecordingRequest(record))
        .get_updates_request(RecordingRequest(record))
        .persistence(PicklePersistence(filepath=filepath))
        .concurrent_updates(False)  # the default, spelt out: see the module docstring
        .build()
    )
    application.add_handler(create_conversation())
    return application
