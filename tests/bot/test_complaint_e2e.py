"""Complaints end to end over the stand-in Bot API, on both Telegram runtimes: a real-name
payment-arrears complaint and an anonymous tip-off filed from the services menu, delivered by
the worker as v2 bundles to the category's office's agency; the office asking for more and the
founder answering; a deadline passing (the timed event fired with a hand-moved clock) and the
founder asking for supervision (督办); a closed case rated once."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from botapi_stub import BotApiStub
from pdfs import pdf_text
from redis_dump import everything
from telegram_harness import CJK, at_step, pdf, tap
from test_handoff_e2e import Handoff, texts

from bot.config import Settings
from bot.core.commands import TelegramRuntime, commands_menu
from bot.handoff.api import STATUS_PATH, create_api_app
from bot.handoff.bundle import validate_bundle_json
from bot.handoff.deadlines import OVERDUE, overdue_id
from bot.handoff.receiver import create_receiver_app
from bot.serve import create_runtime
from bot.wiring import create_app
from bot.workers.timers import TimerWorker
from flows.engine.address import Address
from flows.policy.loader import DEFAULT_PATH, load_policy_data
from flows.shell.registry import all_flows
from storage.crypto import FieldCipher

SPEC = next(s for s in all_flows(load_policy_data()) if s.id == "complaint")
SECRET = "cloud-secret"
CLOUD_CHAT, CLOUD_STAFF = -1001000000077, 9077
COMMISSION_CHAT = -1001000000078
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
NAME, MOBILE = "王小明", "13912345678"


def at(name: str):
    return at_step(SPEC.index(name), "cmp")


def agencies_toml(receiver_url: str, inbox: Path) -> str:
    """The Enterprise Service Cloud (every complaint category's office) over signed HTTPS to
    the reference receiver, with a staff chat; the Municipal Commission into a folder."""
    q = json.dumps
    offices = [o.id for o in load_policy_data().offices]
    others = [o for o in offices if o not in ("enterprise_service_cloud", "municipal_commission")]
    return f"""
[[agency]]
id = "cloud"
name = {{ zh = "上海市企业服务云", en = "Shanghai Enterprise Service Cloud" }}
offices = ["enterprise_service_cloud"]
transport = "https"
url = {q(receiver_url)}
secrets = [{q(SECRET)}]
timeout_s = 10
staff_chat_id = {CLOUD_CHAT}
staff_user_ids = [{CLOUD_STAFF}]

[[agency]]
id = "commission"
name = {{ zh = "上海市经济和信息化委员会", en = "Municipal Commission" }}
offices = ["municipal_commission"]
transport = "directory"
path = {q(str(inbox / "commission"))}
staff_chat_id = {COMMISSION_CHAT}
staff_user_ids = [9078]

[[agency]]
id = "others"
name = {{ zh = "其他部门", en = "Other offices" }}
offices = {q(others)}
transport = "directory"
path = {q(str(inbox / "others"))}
"""


def verified_policy(folder: Path) -> Path:
    """The packaged policy data with the complaints' deadline rules checked by a person."""
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    blocks = text.split("\n[[")
    for i, block in enumerate(blocks):
        if block.startswith("deadline]]") and re.search(
            r'^id = "(business_env_difficult|arrears_transfer|arrears_decision)"$',
            block,
            re.MULTILINE,
        ):
            blocks[i] = re.sub(
                r"^transcribed_on = .*$", "verified_on = 2026-12-01", block, 1, re.MULTILINE
            )
    path = folder / "policy.toml"
    path.write_text("\n[[".join(blocks), encoding="utf-8")
    return path


@asynccontextmanager
async def running(
    api: BotApiStub,
    redis: Any,
    redis_url: str,
    key_prefix: str,
    tmp_path: Path,
    runtime: str,
    policy_file: Path | None = None,
    agencies_of: Callable[[str, Path], str] | None = None,
) -> AsyncIterator[Handoff]:
    """The receiver, the bot's status endpoint and the runtime polling the stub; the agencies
    file from `agencies_of(receiver_url, inbox)` (`agencies_toml` when None)."""
    received, inbox, files = tmp_path / "received", tmp_path / "inbox", tmp_path / "files"
    files.mkdir()
    status_socket = socket.socket()
    status_socket.bind(("127.0.0.1", 0))
    status_url = f"http://127.0.0.1:{status_socket.getsockname()[1]}{STATUS_PATH}"
    receiver = web.AppRunner(create_receiver_app([SECRET], received), access_log=None)
    status_runner: web.AppRunner | None = None
    telegram: TelegramRuntime | None = None
    stop = asyncio.Event()
    task: asyncio.Task[None] | None = None
    await receiver.setup()
    try:
        await web.TCPSite(receiver, "127.0.0.1", 0).start()
        agencies = tmp_path / "agencies.toml"
        receiver_url = f"http://127.0.0.1:{receiver.addresses[0][1]}/bundles"
        agencies.write_text((agencies_of or agencies_toml)(receiver_url, inbox), encoding="utf-8")
        settings = Settings(
            telegram_bot_token="123456:TEST",
            telegram_api_url=api.base_url,
            redis_url=redis_url,
            redis_prefix=key_prefix,
            agencies_file=agencies,
            policy_file=policy_file,
            data_keys=FieldCipher.generate_key(),
            bot_runtime=runtime,
        )
        app = create_app(settings, redis)
        telegram = create_runtime(app)
        status_runner = web.AppRunner(
            create_api_app(app.desk(), app.submissions, app.agencies), access_log=None
        )
        await status_runner.setup()
        await web.SockSite(status_runner, status_socket).start()
        await telegram.start(commands_menu(app.renderer, app.settings.default_locale))
        task = asyncio.create_task(telegram.poll(stop))
        yield Handoff(api, app, telegram, status_url, received, inbox, files)
    finally:
        stop.set()
        if task is not None:
            await asyncio.wait_for(task, 10)
        if status_runner is not None:
            await status_runner.cleanup()
        await receiver.cleanup()
        status_socket.close()
        if telegram is not None:
            await telegram.close()


@pytest.fixture
async def filing(api, redis, redis_url, key_prefix, tmp_path, runtime) -> AsyncIterator[Handoff]:
    async with running(api, redis, redis_url, key_prefix, tmp_path, runtime) as handoff:
        yield handoff


@pytest.fixture
async def watched(api, redis, redis_url, key_prefix, tmp_path, runtime) -> AsyncIterator[Handoff]:
    """The hand-off with the complaints' deadline rules verified (so deadlines are watched)."""
    policy = verified_policy(tmp_path)
    async with running(api, redis, redis_url, key_prefix, tmp_path, runtime, policy) as handoff:
        yield handoff


class Founder:
    """One founder in their private chat with the bot."""

    def __init__(self, api: BotApiStub, user: int, lang: str) -> None:
        self.api, self.user, self.lang = api, user, lang

    async def wait(self, predicate, timeout: float = 20, since: int | None = None) -> dict:
        return await self.api.wait_for_message(self.user, predicate, timeout, since=since)

    async def pick(self, step: str, value: str, op: str = "p") -> dict:
        message = await self.wait(at(step))
        await tap(self.api, self.user, message, op, value, self.lang)
        return message

    async def say(self, step: str, text: str) -> None:
        await self.wait(at(step))
        self.api.push_message(self.user, text, language_code=self.lang)

    def send(self, text: str) -> None:
        self.api.push_message(self.user, text, language_code=self.lang)

    async def pick_in(self, flow: str, index: int, value: str, op: str = "p") -> dict:
        """Tap `op`/`value` on the screen of question `index` of the follow-up flow `flow`."""
        message = await self.wait(at_step(index, flow))
        await tap(self.api, self.user, message, op, value, self.lang)
        return message

    async def press(self, message: dict, label_part: str) -> None:
        [data] = [d for label, d in BotApiStub.buttons(message) if label_part in label]
        self.api.push_callback(self.user, data, message["message_id"], language_code=self.lang)


async def file_complaint(
    founder: Founder,
    *,
    category: str,
    identity: str,
    description: tuple[str, ...],
    evidence: bool = True,
) -> str:
    """From /start through the services menu to the confirmation; the reference."""
    api, user, lang = founder.api, founder.user, founder.lang
    api.push_message(user, "/start", language_code=lang)
    menu = await founder.wait(lambda m: "a:o:::complaint" in str(BotApiStub.buttons(m)))
    await tap(api, user, menu, "o", "complaint", lang)
    await founder.pick("category", category)
    await founder.pick("expect", "go")
    if category == "arrears":
        await founder.pick("payer_type", "government_body")
        await founder.say("contract_on", "2025-07-01")
        await founder.say("delivered_on", "2025-08-01")
        await founder.pick("term_days", "", "s")
        await founder.say("owed", "120000")
        await founder.say("paid", "20000")
        result = await founder.pick("arrears_result", "go")
        assert bool(CJK.search(result["text"])) == lang.startswith("zh")
    else:
        await founder.pick("respondent_type", "government_body")
    await founder.say("respondent", "上海市某某局")
    first, *more = description
    await founder.say("description", first)
    for text in more:
        founder.send(text)
        await founder.wait(lambda m, t=text: at("description")(m) and t[:10] in m["text"])
    await founder.pick("description", "", "d")
    await founder.say("happened_on", "2026-10-15")
    if category != "arrears":
        await founder.say("amount", "5000")
    await founder.wait(at("evidence"))
    if evidence:
        api.push_document(
            user,
            f"ev-{lang}-1",
            "合同.pdf",
            "application/pdf",
            2000,
            content=pdf("contract"),
            language_code=lang,
        )
        await founder.wait(lambda m: at("evidence")(m) and "合同.pdf" in m["text"])
        api.push_photo(user, f"ev-{lang}-2", 1100, lang, content=JPEG)
        got = await founder.wait(lambda m: at("evidence")(m) and f"ev-{lang}-2" in m["text"])
        await tap(api, user, got, "d", "", lang)
    else:
        await founder.pick("evidence", "", "s")
    await founder.say("outcome", "支付欠款" if lang.startswith("zh") else "Stop the levies.")
    await founder.pick("identity", identity)
    if identity == "real_name":
        await founder.say("applicant_name", NAME)
        await founder.say("mobile", MOBILE)
    summary = await founder.wait(lambda m: "a:y:cmp" in str(BotApiStub.buttons(m)))
    await tap(api, user, summary, "y", "", lang)
    done = await founder.wait(lambda m: "SUB-" in m["text"])
    [reference] = re.findall(r"SUB-\d{8}-[A-Z0-9]+", done["text"])
    return reference


def folder_of(handoff: Handoff, reference: str) -> Path:
    return handoff.received / reference


async def statuses(handoff: Handoff, reference: str) -> list[str]:
    return [s for s, _a, _n in await handoff.history(reference)]


# -- 1. a real-name payment-arrears complaint in Chinese ----------------------------------------


async def test_a_real_name_arrears_complaint_reaches_its_office_and_my_applications(filing):
    handoff, api = filing, filing.api
    founder = Founder(api, 8801, "zh-hans")
    ref = await file_complaint(
        founder,
        category="arrears",
        identity="real_name",
        description=("对方验收合格后一直不付款。", "多次催告无果。"),
    )
    submission = await handoff.app.submissions.get(ref)
    assert submission is not None and submission.office == "enterprise_service_cloud"
    assert submission.founder == Address.telegram(founder.user)

    assert await handoff.deliver() == 1
    folder = folder_of(handoff, ref)
    bundle_json = (folder / "bundle.json").read_bytes()
    validate_bundle_json(bundle_json)
    document = json.loads(bundle_json)
    assert (document["schema_version"], document["service"]) == (2, "complaint")
    assert document["office"]["id"] == "enterprise_service_cloud"
    text = json.dumps(document, ensure_ascii=False)
    assert NAME in text and MOBILE in text
    answers = document["complaint"]["answers"]
    assert answers["description"] == "对方验收合格后一直不付款。\n多次催告无果。"  # joined
    attachments = {p.name: p.read_bytes() for p in (folder / "attachments").iterdir()}
    assert attachments["合同.pdf"] == pdf("contract") and JPEG in attachments.values()
    assert len(attachments) == 2
    title = "机关、事业单位或大型企业拖欠账款"  # the category names the case, not "complaint"
    application = pdf_text((folder / "application.pdf").read_bytes())
    assert ref in application and title in application and NAME in application
    for shown in (  # the office reads labels, choices and amounts, not field names and codes
        "付款方 / Payer",
        "国家机关 / Government body",
        "未付金额 / Amount outstanding",
        "¥100,000 元 / CNY",
        "被投诉单位名称",
        "答复时限 / Deadline for the answer",
    ):
        assert shown in application, shown
    assert "payer_type" not in application and "{'date'" not in application
    assert await statuses(handoff, ref) == ["delivered"]
    delivered = await founder.wait(lambda m: ref in m["text"] and "送达" in m["text"], since=0)
    assert CJK.search(delivered["text"])
    [case_pdf, summary] = api.messages_to(CLOUD_CHAT)
    assert case_pdf["document"]["file_name"] == f"{ref}.pdf"
    assert ref in summary["text"] and title in summary["text"]
    offered = [d for _label, d in BotApiStub.buttons(summary)]
    assert {f"c:t:{ref}", f"c:c:{ref}"} <= set(offered)  # the complaint's own, from its lifecycle
    # said once, beside the buttons; with no district, none is shown (not a stray "，—")
    assert case_pdf["caption"] == f"📄 {ref} 的 PDF 文件"
    assert summary["text"] == f"新申请 {ref}：{title}。受理部门：上海市企业服务云。"
    # staff transfer it: the chat reads the complaint's own name of the status, not its id
    revision = api.revision
    handoff.tap(CLOUD_CHAT, CLOUD_STAFF, summary, f"c:t:{ref}")
    prompt = await api.wait_for_message(CLOUD_CHAT, lambda m: ref in m["text"], since=revision)
    handoff.say(CLOUD_CHAT, CLOUD_STAFF, "已转交区市场监管局。", prompt)
    done = await api.wait_for_message(CLOUD_CHAT, lambda m: "U9077" in m["text"], since=revision)
    assert done["text"] == f"{ref}：U9077 已标记为“已转交主管部门”。已通知创业者。"
    assert await statuses(handoff, ref) == ["delivered", "transferred"]

    api.push_message(founder.user, "/apps", language_code=founder.lang)
    listed = await founder.wait(lambda m: ref in m["text"])
    assert "拖欠" in listed["text"] or "账款" in listed["text"]


# -- 2. an anonymous tip-off in English --------------------------------------------------------


async def test_an_anonymous_tip_off_names_no_one_anywhere(watched, redis, key_prefix):
    """Its deadline is watched too: when it passes, the office's staff are reminded, and told
    that nobody could be; whatever the office or staff record, the founder hears nothing."""
    handoff, api = watched, watched.api
    founder = Founder(api, 8802, "en")
    ref = await file_complaint(
        founder,
        category="forced_charges",
        identity="anonymous",
        description=("The district office made us sponsor its fair.", "It asked twice."),
    )
    outbox = await handoff.app.submissions.outbox()
    assert [e["founder"] for e in outbox] == ["telegram:anonymous"]
    submission = await handoff.app.submissions.get(ref)
    assert submission is not None and submission.founder == Address("telegram", "anonymous")
    assert str(founder.user) not in json.dumps(submission.answers)

    told_before = len(api.messages_to(founder.user))
    assert await handoff.deliver() == 1
    folder = folder_of(handoff, ref)
    bundle_json = (folder / "bundle.json").read_bytes()
    validate_bundle_json(bundle_json)
    application = pdf_text((folder / "application.pdf").read_bytes())
    for where in (bundle_json.decode(), application):
        assert str(founder.user) not in where
        assert NAME not in where and MOBILE not in where
    assert "Anonymous tip-off" in application
    document = json.loads(bundle_json)
    assert (document["service"], document["applicant"], document["company"]) == (
        "complaint",
        None,
        None,
    )
    assert document["complaint"]["anonymous"] is True
    assert document["complaint"]["answers"]["description"] == (
        "The district office made us sponsor its fair.\nIt asked twice."
    )
    assert len(list((folder / "attachments").iterdir())) == 2
    # nothing in Redis ties the tip-off to the founder: not its records, not the founder's
    for key, value in (await everything(redis, key_prefix)).items():
        if ref in key or ref in value:
            assert str(founder.user) not in key + value, key
        if str(founder.user) in key:
            assert ref not in value, key

    api.push_message(founder.user, "/apps", language_code="en")
    apps = await founder.wait(None)
    assert ref not in apps["text"]
    # nobody could answer a question: the office cannot ask one (the case would wait for ever)
    status, body = await handoff.report(ref, "more_info", "Who are you?", secret=SECRET)
    assert (status, body["error"]) == (409, "not allowed from the case's status")
    summary = next(m for m in api.messages_to(CLOUD_CHAT) if BotApiStub.buttons(m))
    offered = [d for _label, d in BotApiStub.buttons(summary)]
    assert f"c:c:{ref}" in offered and f"c:m:{ref}" not in offered
    status, _ = await handoff.report(ref, "accepted", "Looking into it.", secret=SECRET)
    assert status == 200

    event = await handoff.app.timer_store.get(overdue_id(ref))
    assert event is not None
    timers = TimerWorker(
        handoff.app.timer_store,
        {OVERDUE: handoff.app.deadlines().fire},
        clock=lambda: event.due_at + 1,
    )
    assert await timers.run_once() == 1
    reminder = texts(api, CLOUD_CHAT)[-1]
    assert ref in reminder and "⏰" in reminder and "匿名举报" in reminder
    assert "已通知创业者" not in reminder  # nobody was

    revision = api.revision
    handoff.tap(CLOUD_CHAT, CLOUD_STAFF, summary, f"c:c:{ref}")
    prompt = await api.wait_for_message(CLOUD_CHAT, lambda m: ref in m["text"], since=revision)
    handoff.say(CLOUD_CHAT, CLOUD_STAFF, "Dealt with.", prompt)
    done = await api.wait_for_message(CLOUD_CHAT, lambda m: "U9077" in m["text"], since=revision)
    assert "匿名举报" in done["text"] and "已通知创业者" not in done["text"]
    assert await statuses(handoff, ref) == ["delivered", "accepted", "overdue", "closed"]
    assert api.messages_to(founder.user)[told_before:] == [apps]  # only its own /apps


async def filed_and_delivered(handoff: Handoff, founder: Founder) -> str:
    """A real-name complaint about forced charges, without evidence, delivered by the worker."""
    ref = await file_complaint(
        founder,
        category="forced_charges",
        identity="real_name",
        description=("对方要求我们赞助其展会。",),
        evidence=False,
    )
    assert await handoff.deliver() == 1
    assert await statuses(handoff, ref) == ["delivered"]
    await founder.wait(lambda m: ref in m["text"] and "a:" in str(BotApiStub.buttons(m)), since=0)
    return ref


def button(message: dict, op: str) -> str:
    """The callback data of the message's one button with operation `op`."""
    [data] = [d for _label, d in BotApiStub.buttons(message) if d.split(":")[1] == op]
    return data


# -- 3. the office asks for more, the founder answers ------------------------------------------


async def test_the_founder_adds_information_the_office_asked_for(filing):
    handoff, api = filing, filing.api
    founder = Founder(api, 8803, "zh-hans")
    ref = await filed_and_delivered(handoff, founder)
    question = "请提供赞助要求的书面通知。"
    status, _ = await handoff.report(ref, "more_info", question, secret=SECRET)
    assert status == 200
    told = await founder.wait(lambda m: question in m["text"], since=0)
    assert ref in told["text"]
    api.push_callback(founder.user, button(told, "sp"), told["message_id"])
    await founder.wait(lambda m: "请输入您的答复" in m["text"])
    founder.send("通知见附件。")
    await founder.wait(lambda m: "部门要求的材料" in m["text"])
    api.push_document(
        founder.user, "tg-notice", "通知.pdf", "application/pdf", 900, content=pdf("notice")
    )
    received = await founder.wait(lambda m: "通知.pdf" in m["text"])
    [done] = [d for label, d in BotApiStub.buttons(received) if label == "完成"]
    api.push_callback(founder.user, done, received["message_id"])
    review = await founder.wait(lambda m: "通知见附件。" in m["text"])
    await founder.press(review, "确认")
    await founder.wait(lambda m: f"{ref}-S1" in m["text"])

    assert await handoff.deliver() == 1
    folder = folder_of(handoff, f"{ref}-S1")
    bundle_json = (folder / "bundle.json").read_bytes()
    validate_bundle_json(bundle_json)
    document = json.loads(bundle_json)
    assert document["reference"] == f"{ref}-S1" and ref in bundle_json.decode()
    assert {p.name: p.read_bytes() for p in (folder / "attachments").iterdir()} == {
        "通知.pdf": pdf("notice")
    }
    assert await statuses(handoff, ref) == ["delivered", "more_info", "supplied"]
    assert await handoff.listed_status(founder.user, ref) == "supplied"


# -- 4. a deadline passes; the founder asks for supervision ------------------------------------


async def test_an_overdue_complaint_is_escalated_to_the_municipal_commission(watched):
    handoff, api = watched, watched.api
    founder = Founder(api, 8804, "zh-hans")
    ref = await filed_and_delivered(handoff, founder)
    event = await handoff.app.timer_store.get(overdue_id(ref))
    assert event is not None and event.kind == OVERDUE
    assert event.payload == {"reference": ref, "deadline": event.payload["deadline"]}

    clock = [event.due_at - 60]
    timers = TimerWorker(
        handoff.app.timer_store, {OVERDUE: handoff.app.deadlines().fire}, clock=lambda: clock[0]
    )
    founder_before, staff_before = (
        len(api.messages_to(founder.user)),
        len(api.messages_to(CLOUD_CHAT)),
    )
    assert await timers.run_once() == 0  # not yet due
    clock[0] = event.due_at + 1
    assert await timers.run_once() == 1
    assert await timers.run_once() == 0
    assert await statuses(handoff, ref) == ["delivered", "overdue"]
    [notice] = api.messages_to(founder.user)[founder_before:]
    assert ref in notice["text"]
    escalate = button(notice, "es")
    assert "📣" in next(label for label, d in BotApiStub.buttons(notice) if d == escalate)
    [reminder] = texts(api, CLOUD_CHAT)[staff_before:]
    assert ref in reminder and "⏰" in reminder

    api.push_callback(founder.user, escalate, notice["message_id"])
    await founder.pick_in("esc", 0, "municipal_commission")
    await founder.pick_in("esc", 1, "", "s")
    review = await founder.wait(lambda m: "a:y:esc" in str(BotApiStub.buttons(m)))
    await tap(api, founder.user, review, "y", "", founder.lang)
    await founder.wait(lambda m: f"{ref}-S1" in m["text"])

    assert await handoff.deliver() == 1
    folder = handoff.inbox / "commission" / f"{ref}-S1"
    bundle_json = (folder / "bundle.json").read_bytes()
    validate_bundle_json(bundle_json)
    supplement = json.loads(bundle_json)["supplement"]
    assert (supplement["case_reference"], supplement["purpose"]) == (ref, "escalation")
    assert supplement["escalate_to"] == "municipal_commission"
    application = pdf_text((folder / "application.pdf").read_bytes())
    assert "申请督办 / Request for supervision" in application
    assert "上海市经济和信息化委员会 / Municipal Commission" in application
    staff_note = texts(api, COMMISSION_CHAT)[-1]  # the commission's staff see what it is
    assert f"{ref}-S1" in staff_note and "督办" in staff_note
    assert await statuses(handoff, ref) == ["delivered", "overdue", "escalated"]
    assert await handoff.listed_status(founder.user, ref) == "escalated"
    api.push_message(founder.user, "/apps", language_code=founder.lang)
    listed = await founder.wait(lambda m: ref in m["text"])
    assert "督办" in listed["text"] and "预计" not in listed["text"]  # its deadline is past
    await asyncio.sleep(0.5)


# -- 5. a closed complaint is rated, once ------------------------------------------------------


async def test_a_closed_complaint_is_rated_once(filing):
    handoff, api = filing, filing.api
    founder = Founder(api, 8805, "en")
    ref = await filed_and_delivered(handoff, founder)
    summary = next(
        m
        for m in reversed(api.messages_to(CLOUD_CHAT))
        if f"c:c:{ref}" in str(BotApiStub.buttons(m))
    )
    outcome = "The district office withdrew the demand."
    revision = api.revision
    handoff.tap(CLOUD_CHAT, CLOUD_STAFF, summary, f"c:c:{ref}")
    prompt = await api.wait_for_message(CLOUD_CHAT, lambda m: ref in m["text"], since=revision)
    handoff.say(CLOUD_CHAT, CLOUD_STAFF, outcome, prompt)
    told = await founder.wait(lambda m: outcome in m["text"], since=revision)
    assert ref in told["text"] and not CJK.search(told["text"])
    rate = button(told, "rt")
    assert "⭐" in next(label for label, d in BotApiStub.buttons(told) if d == rate)

    api.push_callback(founder.user, rate, told["message_id"], language_code="en")
    await founder.pick_in("rat", 0, "dissatisfied")
    await founder.wait(
        lambda m: any(d.split(":")[2:4] == ["rat", "1"] for _l, d in BotApiStub.buttons(m))
    )
    founder.send("It took three months.")
    review = await founder.wait(lambda m: "a:y:rat" in str(BotApiStub.buttons(m)))
    assert "It took three months." in review["text"]
    await tap(api, founder.user, review, "y", "", founder.lang)
    await founder.wait(lambda m: f"{ref}-S1" in m["text"])

    assert await handoff.deliver() == 1
    bundle_json = (folder_of(handoff, f"{ref}-S1") / "bundle.json").read_bytes()
    validate_bundle_json(bundle_json)
    supplement = json.loads(bundle_json)["supplement"]
    assert (supplement["purpose"], supplement["verdict"]) == ("rating", "dissatisfied")
    assert supplement["text"] == "It took three months."
    application = pdf_text((folder_of(handoff, f"{ref}-S1") / "application.pdf").read_bytes())
    assert "不满意 / Not satisfied" in application and "It took three months." in application
    staff_note = texts(api, CLOUD_CHAT)[-1]  # the staff see the rating, not "an answer"
    assert f"{ref}-S1" in staff_note and "评价" in staff_note and "不满意" in staff_note
    assert await statuses(handoff, ref) == ["delivered", "closed", "rated"]

    revision = api.revision
    api.push_callback(founder.user, rate, told["message_id"], language_code="en")  # again
    refused = await founder.wait(None, since=revision)
    assert "a:y:rat" not in str(BotApiStub.buttons(refused))
    assert not any(d.split(":")[2:3] == ["rat"] for _l, d in BotApiStub.buttons(refused))
    await asyncio.sleep(0.3)
    assert await handoff.deliver() == 0
    assert await statuses(handoff, ref) == ["delivered", "closed", "rated"]
