"""The closed loop of "Request more information", on the real wiring and a real Redis: the office
asks, the founder is told and answers (text and a document) in the local chat, the supplement
is delivered to the agency's folder beside its case, and the case shows it was answered."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bot.channels.local.chat import LocalChat
from bot.config import Settings
from bot.wiring import App, create_app
from flows.engine.address import Address
from flows.engine.draft import Draft, Submission
from flows.engine.outcome import Action, Op

FOUNDER = 77
LOCAL = Address("local", str(FOUNDER))  # the local chat's founder
CASE = "SUB-20261128-7Q4K9M"
QUESTION = "请补充租赁合同第2页。"


def application() -> Submission:
    return Submission(
        reference=CASE,
        founder=LOCAL,
        flow="subsidy",
        programme="rent_subsidy",
        office="district_hrss",
        district="xuhui",
        locale="zh_CN",
        answers={
            "applicant_name": "张小满",
            "id_number": "11010519491231002X",
            "mobile": "13800138000",
            "company_name": "上海小满科技有限公司",
            "credit_code": "91310000MA1FL4XQ8K",
        },
        attachments=[],
        submitted_at=1_795_858_200.0,
    )


@pytest.fixture
async def app(redis, redis_url, key_prefix, tmp_path, monkeypatch) -> App:
    monkeypatch.chdir(tmp_path)  # the default agencies deliver into ./var/agency-inbox/<id>/
    app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)
    await app.outbox.ensure_group()
    turn = await app.store.begin(LOCAL)
    assert turn is not None
    turn.state.put_draft(Draft(flow="subsidy", step="done"))
    turn.state.submit(application())
    await app.store.commit(turn)
    return app


def inbox(reference: str) -> Path:
    return Path("var/agency-inbox/district_hrss") / reference


def tap(local: LocalChat, op: Op) -> str:
    """The local chat's line for the first shown button doing `op`."""
    index = next(
        i
        for i, action in enumerate(local.channel.buttons)
        if isinstance(action, Action) and action.op is op
    )
    return f"#{index + 1}"


async def test_office_asks_founder_answers_supplement_reaches_the_office(app, tmp_path):
    worker = app.worker(consumer="test")
    assert await worker.run_once() == 1
    assert json.loads((inbox(CASE) / "bundle.json").read_bytes())["kind"] == "submission"

    out = io.StringIO()
    local = LocalChat(app.service, user_id=FOUNDER, out=out)
    app.channels.add(local.channel, replace=True)  # the chat is open: the office's question shows
    await app.desk().change(CASE, "more_info", QUESTION, "staff:5001")
    assert QUESTION in out.getvalue() and "需补充材料" in out.getvalue()
    answer = [a for a in local.channel.buttons if isinstance(a, Action) and a.op is Op.SUPPLY]
    assert [a.value for a in answer] == [CASE]
    await local.send("/apps")
    assert "需补充材料" in out.getvalue()
    await local.send(tap(local, Op.SUPPLY))
    assert QUESTION in out.getvalue()
    await local.send("第2页已补拍，请查收。")
    page = tmp_path / "租赁合同第2页.pdf"
    page.write_bytes(b"%PDF-1.4 page two")
    await local.send(f"/file {page}")
    await local.send(tap(local, Op.DONE))
    await local.send(tap(local, Op.CONFIRM))
    assert f"{CASE}-S1" in out.getvalue()

    assert await worker.run_once() == 1
    folder = inbox(f"{CASE}-S1")
    bundle = json.loads((folder / "bundle.json").read_bytes())
    assert bundle["kind"] == "supplement" and bundle["reference"] == f"{CASE}-S1"
    assert bundle["supplement"]["case_reference"] == CASE
    assert bundle["supplement"]["question"] == QUESTION
    assert bundle["supplement"]["text"] == "第2页已补拍，请查收。"
    assert bundle["applicant"]["name"] == "张小满"
    assert (folder / "attachments" / "租赁合同第2页.pdf").read_bytes() == b"%PDF-1.4 page two"

    history = [c.status for c in await app.statuses.history(CASE)]
    assert history == ["delivered", "more_info", "supplied"]
    lines = {e["reference"]: e["status"] for e in (await app.store.peek(LOCAL)).applications}
    assert lines == {CASE: "supplied", f"{CASE}-S1": "delivered"}

    await local.send("/apps")  # nothing left to answer
    assert not any(getattr(a, "op", None) is Op.SUPPLY for a in local.channel.buttons)


async def test_staff_acting_before_the_supplement_lands_keeps_their_status(app):
    worker = app.worker(consumer="test")
    await worker.run_once()
    desk = app.desk()
    await desk.change(CASE, "more_info", QUESTION, "staff:5001")
    local = LocalChat(app.service, user_id=FOUNDER, out=io.StringIO())
    await local.send("/apps")
    await local.send(tap(local, Op.SUPPLY))
    await local.send("已补充。")
    await local.send(tap(local, Op.SKIP))
    await local.send(tap(local, Op.CONFIRM))
    await desk.change(CASE, "accepted", "", "staff:5001")  # before the worker sends the answer
    await worker.run_once()
    assert await app.statuses.current(CASE) == "accepted"
    assert await app.statuses.current(f"{CASE}-S1") == "delivered"


async def test_start_over_at_the_offer_restarts_the_answer_on_telegram(
    api, bot, redis, redis_url, key_prefix
):
    """Found walking the real bot by hand (aiogram, en): an answer to the office half written (a
    text and a PDF), then /start; ▶️ Continue goes on with it, and 🔄 Start over begins that
    answer again for that case, on both Telegram runtimes, instead of "That button is from an
    earlier message." with the answer lost."""
    from botapi_stub import BotApiStub
    from telegram_harness import pdf, pick_data

    user, lang = 611, "en"
    founder = Address.telegram(user)
    seeding = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)
    turn = await seeding.store.begin(founder)
    assert turn is not None
    # the index line only: the application is not sent again, so no delivery changes its status
    entry = replace(application(), founder=founder, locale="en").entry()
    turn.state.applications.append(entry | {"status": "more_info", "question": QUESTION})
    turn.state.touch("applications")
    await seeding.store.commit(turn)

    def showing(op: str, value: str = "") -> Callable[[dict], bool]:
        return lambda m: any(
            d.split(":")[1] == op and (not value or d.split(":")[-1] == value)
            for _label, d in BotApiStub.buttons(m)
        )

    api.push_message(user, "/apps", language_code=lang)
    apps = await api.wait_for_message(user, showing("sp", CASE), timeout=20)
    api.push_callback(user, pick_data(apps, "sp", CASE), apps["message_id"], language_code=lang)
    await api.wait_for_message(user, lambda m: QUESTION in m["text"])
    api.push_message(user, "Page 2 is attached.", language_code=lang)
    await api.wait_for_message(user, showing("d"))
    api.push_document(
        user,
        "doc-p2",
        "lease-p2.pdf",
        "application/pdf",
        1000,
        content=pdf("p2"),
        language_code=lang,
    )
    await api.wait_for_message(user, lambda m: "lease-p2.pdf" in m["text"])

    async def offer() -> dict:
        api.push_message(user, "/start", language_code=lang)
        return await api.wait_for_message(user, showing("r", "supplement"))

    shown = await offer()
    api.push_callback(user, pick_data(shown, "o", "supplement"), shown["message_id"], lang)
    going_on = await api.wait_for_message(
        user, lambda m: "Continuing where you stopped" in m["text"]
    )
    assert "lease-p2.pdf" in going_on["text"]
    draft = (await seeding.store.peek(founder)).drafts["supplement"]
    assert draft.answers["answer"] == "Page 2 is attached."

    shown = await offer()
    api.push_callback(user, pick_data(shown, "r", "supplement"), shown["message_id"], lang)
    again = await api.wait_for_message(user, lambda m: QUESTION in m["text"])
    assert "earlier message" not in "\n".join(m["text"] for m in api.messages_to(user))
    state = await seeding.store.peek(founder)
    draft = state.drafts["supplement"]
    assert draft.step == "answer" and "answer" not in draft.answers
    assert draft.answers["case"]["reference"] == CASE and state.prefs.active == "supplement"
    assert CASE in again["text"]
