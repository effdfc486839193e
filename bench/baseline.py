"""The baseline: the same 12 questions written the textbook aiogram 3 way — a `StatesGroup`,
one handler per state that validates, `update_data`s and `set_state`s the next, with
`RedisStorage` and `RedisEventIsolation` (aiogram's own Redis FSM and per-chat lock).

It uses the same validators as our flow; its texts are plain strings (no catalogs), its
answers are stored in the clear (no sealing). Both make the baseline cheaper, not dearer.
"""

from __future__ import annotations

from typing import Any

from aiogram import Dispatcher, F, Router
from aiogram.filters import CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from redis.asyncio import Redis

from flows.engine import validators
from flows.engine.errors import ValidationFailed

START = "/start form"


class Form(StatesGroup):
    business_form = State()
    premises = State()
    applicant_name = State()
    id_number = State()
    mobile = State()
    company_name = State()
    staff = State()
    registered_on = State()
    org_type = State()
    district = State()
    first_business = State()
    lease = State()
    confirm = State()


class Pick(CallbackData, prefix="pick"):
    field: str
    value: str


BUSINESS_FORMS = {
    "llc": "有限公司",
    "sole_prop": "个人独资",
    "partnership": "合伙",
    "individual": "个体户",
}
PREMISES = {"owned": "自有场所", "leased": "租赁场所", "none": "暂无场所"}
ORG_TYPES = {
    "small_micro": "小微企业",
    "individual": "个体户",
    "cooperative": "合作社",
    "non_enterprise": "民办非企业",
    "other": "其他",
}
DISTRICTS = {
    "huangpu": "黄浦",
    "xuhui": "徐汇",
    "changning": "长宁",
    "jingan": "静安",
    "putuo": "普陀",
    "hongkou": "虹口",
    "yangpu": "杨浦",
    "minhang": "闵行",
    "baoshan": "宝山",
    "jiading": "嘉定",
    "pudong": "浦东",
    "jinshan": "金山",
    "songjiang": "松江",
    "qingpu": "青浦",
    "fengxian": "奉贤",
    "chongming": "崇明",
}
YES_NO = {"yes": "是", "no": "否"}  # fmt: skip


def choices(field: str, options: dict[str, str], columns: int = 2) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(text=label, callback_data=Pick(field=field, value=value).pack())
        for value, label in options.items()
    ]
    rows = [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def create_router() -> Router:
    router = Router(name="form")

    @router.message(CommandStart(deep_link=True))
    async def start(message: Message, state: FSMContext) -> None:
        await state.clear()
        await state.set_state(Form.business_form)
        await message.answer(
            "您计划登记哪种企业形式？", reply_markup=choices("business_form", BUSINESS_FORMS)
        )

    @router.callback_query(Form.business_form, Pick.filter(F.field == "business_form"))
    async def business_form(query: CallbackQuery, callback_data: Pick, state: FSMContext) -> None:
        await query.answer()
        await state.update_data(business_form=callback_data.value)
        await state.set_state(Form.premises)
        assert isinstance(query.message, Message)
        await query.message.answer(
            "您有用于注册地址的经营场所吗？", reply_markup=choices("premises", PREMISES, 1)
        )

    @router.callback_query(Form.premises, Pick.filter(F.field == "premises"))
    async def premises(query: CallbackQuery, callback_data: Pick, state: FSMContext) -> None:
        await query.answer()
        await state.update_data(premises=callback_data.value)
        await state.set_state(Form.applicant_name)
        assert isinstance(query.message, Message)
        await query.message.answer("请输入您的姓名（与身份证一致）：")

    @router.message(Form.applicant_name, F.text)
    async def applicant_name(message: Message, state: FSMContext) -> None:
        try:
            name = validators.parse_free_text(message.text or "", max_len=40)
        except ValidationFailed:
            await message.answer("请输入不超过40个字的姓名。")
            return
        await state.update_data(applicant_name=name)
        await state.set_state(Form.id_number)
        await message.answer("请输入18位居民身份证号码：")

    @router.message(Form.id_number, F.text)
    async def id_number(message: Message, state: FSMContext) -> None:
        try:
            number = validators.parse_resident_id(message.text or "")
        except ValidationFailed:
            await message.answer("身份证号码无效，请重新输入，例如 11010519491231002X。")
            return
        await state.update_data(id_number=number)
        await state.set_state(Form.mobile)
        await message.answer("请输入手机号码，例如 13812345678：")

    @router.message(Form.mobile, F.text)
    async def mobile(message: Message, state: FSMContext) -> None:
        try:
            number = validators.parse_mobile(message.text or "")
        except ValidationFailed:
            await message.answer("请输入11位手机号码，例如 13812345678。")
            return
        await state.update_data(mobile=number)
        await state.set_state(Form.company_name)
        await message.answer("请输入企业名称（与营业执照一致）：")

    @router.message(Form.company_name, F.text)
    async def company_name(message: Message, state: FSMContext) -> None:
        try:
            name = validators.parse_free_text(message.text or "", max_len=100)
        except ValidationFailed:
            await message.answer("请输入不超过100个字的企业名称。")
            return
        await state.update_data(company_name=name)
        await state.set_state(Form.staff)
        await message.answer("预计雇用多少员工？请输入数字，例如 8。")

    @router.message(Form.staff, F.text)
    async def staff(message: Message, state: FSMContext) -> None:
        try:
            count = validators.parse_int(message.text or "", maximum=1_000_000)
        except ValidationFailed:
            await message.answer("请输入整数，例如 8。")
            return
        await state.update_data(staff=count)
        await state.set_state(Form.registered_on)
        await message.answer("登记日期是哪天？例如 2025-03-15。")

    @router.message(Form.registered_on, F.text)
    async def registered_on(message: Message, state: FSMContext) -> None:
        try:
            day = validators.parse_date(message.text or "", not_future=True)
        except ValidationFailed:
            await message.answer("请输入日期，例如 2025-03-15。")
            return
        await state.update_data(registered_on=day.isoformat())
        await state.set_state(Form.org_type)
        await message.answer("组织类型是？", reply_markup=choices("org_type", ORG_TYPES, 1))

    @router.callback_query(Form.org_type, Pick.filter(F.field == "org_type"))
    async def org_type(query: CallbackQuery, callback_data: Pick, state: FSMContext) -> None:
        await query.answer()
        await state.update_data(org_type=callback_data.value)
        await state.set_state(Form.district)
        assert isinstance(query.message, Message)
        await query.message.answer("在哪个区登记？", reply_markup=choices("district", DISTRICTS, 4))

    @router.callback_query(Form.district, Pick.filter(F.field == "district"))
    async def district(query: CallbackQuery, callback_data: Pick, state: FSMContext) -> None:
        await query.answer()
        await state.update_data(district=callback_data.value)
        await state.set_state(Form.first_business)
        assert isinstance(query.message, Message)
        await query.message.answer(
            "这是您在上海的首次创业吗？", reply_markup=choices("first_business", YES_NO)
        )

    @router.callback_query(Form.first_business, Pick.filter(F.field == "first_business"))
    async def first_business(query: CallbackQuery, callback_data: Pick, state: FSMContext) -> None:
        await query.answer()
        await state.update_data(first_business=callback_data.value == "yes")
        await state.set_state(Form.lease)
        assert isinstance(query.message, Message)
        await query.message.answer(
            "您有经营场所的租赁合同吗？", reply_markup=choices("lease", YES_NO)
        )

    @router.callback_query(Form.lease, Pick.filter(F.field == "lease"))
    async def lease(query: CallbackQuery, callback_data: Pick, state: FSMContext) -> None:
        await query.answer()
        data = await state.update_data(lease=callback_data.value == "yes")
        await state.set_state(Form.confirm)
        assert isinstance(query.message, Message)
        lines = "\n".join(f"{key}: {value}" for key, value in data.items())
        await query.message.answer(
            f"请核对：\n{lines}", reply_markup=choices("confirm", {"yes": "✅ 确认"})
        )

    return router


def create_dispatcher(redis: Redis, prefix: str) -> tuple[Dispatcher, RedisStorage]:
    """A Dispatcher with aiogram's Redis FSM storage and its Redis per-chat lock."""
    storage = RedisStorage(redis, key_builder=DefaultKeyBuilder(prefix=prefix))
    dispatcher = Dispatcher(storage=storage, events_isolation=storage.create_isolation())
    dispatcher.include_router(create_router())
    return dispatcher, storage


async def stored(storage: RedisStorage, bot_id: int, user_id: int) -> dict[str, Any]:
    """What the baseline stored for a founder."""
    return await storage.get_data(StorageKey(bot_id=bot_id, chat_id=user_id, user_id=user_id))
