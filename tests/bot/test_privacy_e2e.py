"""A founder's data rights end to end, on both Telegram runtimes and in the local chat, in
Chinese and English: /mydata sends a readable summary and everything stored as a JSON file;
/deleteme asks first, then erases, after which a scan of Redis finds none of their personal
data; a founder who writes again starts afresh."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from applications import COMPANY, ID_NUMBER, MOBILE, subsidy_answers
from botapi_stub import BotApiStub
from redis_dump import everything
from shards import fit
from telegram_harness import CJK, at_step, tap

from bot.channels.local.chat import LocalChat
from bot.config import Settings
from bot.wiring import App, create_app
from flows.engine.address import Address
from flows.engine.draft import Submission
from flows.engine.outcome import Op
from storage.outbox import OutboxStore

NAME = "张三"
FILE_ID = "doc-licence-7781"


async def seed_submission(app: App, founder: Address, reference: str) -> None:
    """A submitted, delivered and accepted application of `founder`, as the bot writes one."""
    turn = await app.store.begin(founder)
    assert turn is not None
    answers = subsidy_answers("startup_loan") | {"applicant_name": NAME}
    turn.state.submit(
        Submission(
            reference=reference,
            founder=founder,
            flow="subsidy",
            programme="startup_loan",
            office="district_hrss",
            district="xuhui",
            locale="zh_CN",
            answers=answers,
            attachments=[{"file_id": FILE_ID, "name": "licence.pdf", "document": "licence"}],
            submitted_at=1_790_000_000.0,
        )
    )
    turn.state.profile = {"id_number": ID_NUMBER, "mobile": MOBILE}
    turn.state.touch("profile")
    await app.store.commit(turn)
    outbox = OutboxStore(app.redis, app.store.keys)
    await outbox.ensure_group()
    for entry in await outbox.read("w1", 10):
        await outbox.mark_delivered(entry.reference, entry.id, settle=entry)
    await app.statuses.record(reference, "delivered", "", "worker")
    await app.statuses.record(reference, "accepted", f"{NAME}：材料齐全", "agency:hrss")


async def personal_data_left(app: App, founder: Address) -> list[str]:
    """Keys and values under the test's prefix that still carry the founder's data."""
    secrets = (ID_NUMBER, MOBILE, NAME, COMPANY, FILE_ID, founder.id)
    dump = await everything(app.redis, app.settings.redis_prefix)
    return [f"{key}: {s}" for key, value in dump.items() for s in secrets if s in key + value]


@pytest.mark.parametrize(("lang", "user"), [("en", 7781001), ("zh-hans", 7781002)])
async def test_export_and_erasure_over_telegram(api, bot, redis, redis_url, key_prefix, lang, user):
    app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)
    founder = Address.telegram(user)
    zh = lang.startswith("zh")
    api.push_message(user, "/start registration", language_code=lang)
    first = await api.wait_for_message(user, at_step(0), timeout=20)
    await tap(api, user, first, "p", "llc", lang)
    await api.wait_for_message(user, at_step(1))
    await seed_submission(app, founder, "SUB-20261201-PRIV01")

    api.push_message(user, "/mydata", language_code=lang)
    summary = await api.wait_for_message(user, lambda m: "🔐" in m.get("text", ""))
    assert bool(CJK.search(summary["text"])) == zh
    assert "SUB-20261201-PRIV01" in summary["text"] and ID_NUMBER not in summary["text"]
    sent = await api.wait_for_message(user, lambda m: "document" in m)
    assert sent["document"]["file_name"].startswith("mydata-")
    assert bool(CJK.search(sent.get("caption", ""))) == zh
    data = json.loads(api.file_content(sent["document"]["file_id"]))
    assert data["founder"] == str(founder)
    assert data["records"]["profile"]["id_number"] == ID_NUMBER  # opened, in full
    assert data["records"]["draft:registration"]["answers"]["business_form"] == "llc"
    (submission,) = data["submissions"]
    assert submission["answers"]["mobile"] == MOBILE
    assert [e["status"] for e in submission["history"]] == ["delivered", "accepted"]

    api.push_message(user, "/deleteme", language_code=lang)
    ask = await api.wait_for_message(user, lambda m: "a:er" in str(BotApiStub.buttons(m)))
    assert await personal_data_left(app, founder)  # asking erases nothing
    await tap(api, user, ask, "er", "", lang)
    done = await api.wait_for_message(
        user, lambda m: "SUB-" not in m["text"] and "🗑" not in m["text"]
    )
    assert ("已删除" if zh else "your data is erased") in done["text"]
    assert await personal_data_left(app, founder) == []
    record = await app.submissions.get("SUB-20261201-PRIV01")
    assert record is not None and record.answers == {} and record.office == "district_hrss"

    api.push_message(user, "/start", language_code=lang)
    welcome = await api.wait_for_message(user, lambda m: "a:o" in str(BotApiStub.buttons(m)))
    assert "a:r:" not in str(BotApiStub.buttons(welcome))  # no draft to continue or restart
    log = bot.log.read_text(errors="replace")
    assert ID_NUMBER not in log and MOBILE not in log and "erased a founder's data" in log


def tap_line(local: LocalChat, op: Op) -> str:
    index = next(i for i, a in enumerate(local.channel.buttons) if getattr(a, "op", None) is op)
    return f"#{index + 1}"


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_export_and_erasure_in_the_local_chat(redis, redis_url, key_prefix, tmp_path, lang):
    app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)
    out = io.StringIO()
    local = LocalChat(app.service, user_id=4242, out=out, files=tmp_path / "files")
    app.channels.add(local.channel, replace=True)
    await local.send(f"/lang {lang}")
    await seed_submission(app, local.founder.address, "SUB-20261201-PRIV02")

    await local.send("/mydata")
    (export,) = (tmp_path / "files").glob("mydata-*.json")
    assert export.stat().st_mode & 0o077 == 0  # the owner's alone: it holds the ID number
    assert json.loads(export.read_text())["records"]["profile"]["id_number"] == ID_NUMBER
    assert str(export) in out.getvalue()

    await local.send("/deleteme")
    assert await personal_data_left(app, local.founder.address)
    await local.send(tap_line(local, Op.ERASE))
    assert ("数据已删除" if lang == "zh" else "your data is erased") in out.getvalue()
    assert await personal_data_left(app, local.founder.address) == []


async def test_keeping_the_data_returns_to_the_open_question(redis, redis_url, key_prefix):
    app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)
    out = io.StringIO()
    local = LocalChat(app.service, user_id=4343, out=out)
    app.channels.add(local.channel, replace=True)
    await local.send("/lang en")
    await local.send("/start registration")
    await local.send("1")
    await local.send("/deleteme")
    await local.send(tap_line(local, Op.OPEN))  # ↩️ Keep my data
    assert "Continuing where you stopped" in out.getvalue().split("Erase your data?")[-1]
    state = await app.store.peek(local.founder.address)
    assert state.drafts["registration"].answers["business_form"] == "llc"


class Recorder:
    """A Telegram channel that records what it is asked to send, and has the founder's file."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[Address, str]] = []

    async def send(self, chat: Address, messages: Any, *, edit: str | None = None) -> list[str]:
        self.sent += [(chat, m.text) for m in messages]
        return ["1"]

    async def send_file(self, chat: Address, name: str, data: bytes, caption: str) -> str:
        return "1"

    async def fetch(self, file_id: str) -> bytes:
        return b"%PDF-1.4 licence"


@pytest.mark.parametrize("settles_itself", [False, True])
async def test_a_founder_who_erases_during_delivery_is_not_told_or_named(
    redis, redis_url, key_prefix, tmp_path, settles_itself
):
    """The worker read the submission, then the founder erased before it recorded delivery
    (the deliverer settling the delivery itself, in one step with `delivered`, or not)."""
    from bot.handoff.delivery import Deliverer

    app = create_app(
        Settings(redis_url=redis_url, redis_prefix=key_prefix, local_files_dir=tmp_path), redis
    )
    recorder = Recorder()
    app.channels.add(recorder)
    founder = Address.telegram(7781003)
    reference = fit("SUB-20261201-PRIV03", founder)  # in the founder's shard, as the bot draws
    await seed_submission(app, founder, reference)
    await redis.delete(app.store.keys.submission(reference) + ":events")
    await redis.delete(app.store.keys.delivery(reference))

    class ErasingTransport:
        async def deliver(self, bundle: object) -> None:  # the founder erases meanwhile
            turn = await app.store.begin(founder)
            assert turn is not None
            await app.store.privacy.erase(founder, turn.token, [reference])

        async def close(self) -> None:
            pass

    desk = app.desk()
    deliverer = Deliverer(
        app.submissions,
        app.policy,
        app.agencies,
        desk,
        app.channels.fetch,
        transport_for=lambda _agency: ErasingTransport(),  # type: ignore[arg-type,return-value]
        font=app.font,
        outbox=app.outbox if settles_itself else None,
    )
    await deliverer(_entry(reference))
    assert recorder.sent == []  # nobody told "delivered"
    assert await personal_data_left(app, founder) == []


def _entry(reference: str) -> Any:
    from storage.outbox import OutboxEntry

    return OutboxEntry("1-0", {"reference": reference})
