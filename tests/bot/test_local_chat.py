"""The local chat runs the same engine, storage and texts: numbered buttons, typed answers,
/lang, /file, and a new process resumes where the last one stopped."""

from __future__ import annotations

import io

import redis.asyncio as aioredis

from bot.channels.local.chat import LocalChannel, LocalChat
from bot.config import Settings
from bot.core.render import RenderedMessage
from bot.wiring import create_service
from flows.engine.address import Address
from flows.engine.outcome import Op


def tap(local: LocalChat, op: Op) -> str:
    """The local chat's line for the first shown button doing `op`."""
    index = next(i for i, a in enumerate(local.channel.buttons) if getattr(a, "op", None) is op)
    return f"#{index + 1}"


def chat(redis, redis_url, key_prefix) -> tuple[LocalChat, io.StringIO]:
    settings = Settings(redis_url=redis_url, redis_prefix=key_prefix)
    out = io.StringIO()
    return LocalChat(create_service(settings, redis), user_id=77, out=out), out


async def test_walks_registration_with_numbers_and_typed_answers(
    redis, redis_url, key_prefix, tmp_path
):
    local, out = chat(redis, redis_url, key_prefix)
    await local.send("/lang en")
    await local.send("/start registration")
    assert "[1] Limited company" in out.getvalue()
    await local.send("1")  # Limited company
    await local.send("11")  # Software and IT services
    assert "[#1] ⬅️ Back" in out.getvalue()  # a typed answer is expected: buttons need '#'
    await local.send("3")  # staff: a typed 3, not button 3
    await local.send("50万")
    paper = tmp_path / "licence.pdf"
    paper.write_bytes(b"%PDF-1.4")
    await local.send(f"/file {paper}")  # a file where a district is expected: refused, step kept
    assert "A file isn't needed here" in out.getvalue()
    await local.send("Pudong")
    state = await local.service.store.peek(local.founder.address)
    assert state.drafts["registration"].answers["staff"] == 3
    assert state.drafts["registration"].answers["district"] == "pudong"

    again, out2 = chat(redis, redis_url, key_prefix)  # a new process: same founder, same Redis
    await again.send("/start")
    assert "Continue where you stopped?" in out2.getvalue()
    await again.send("1")  # ▶️ Continue
    assert "Do you have premises" in out2.getvalue()


async def test_chinese_by_default(redis, redis_url, key_prefix):
    local, out = chat(redis, redis_url, key_prefix)
    await local.send("/start")
    assert "登记" in out.getvalue()


def counting_client(redis_url: str) -> tuple[aioredis.Redis, list[bytes]]:
    """A real client whose connections record every request they send (one per round trip)."""
    client = aioredis.from_url(redis_url)
    sent: list[bytes] = []
    base = client.connection_pool.connection_class

    class Counting(base):  # type: ignore[misc, valid-type]
        async def send_packed_command(self, command, check_health=True):
            sent.append(command if isinstance(command, bytes) else b"".join(command))
            return await super().send_packed_command(command, check_health)

    client.connection_pool.connection_class = Counting
    return client, sent


async def test_an_answer_costs_one_redis_round_trip_once_warm(redis_url, key_prefix):
    client, sent = counting_client(redis_url)
    local, _out = chat(client, redis_url, key_prefix)
    sent.clear()
    await local.send("/start registration")  # cold: a turn read from Redis, then its commit
    assert len(sent) >= 2 and all(b"EVALSHA" in request for request in sent[-2:]), sent
    for answer in ("1", "11", "12"):  # warm: the state this process committed, one commit
        sent.clear()
        await local.send(answer)
        assert len(sent) == 1 and b"EVALSHA" in sent[0], sent
    await client.aclose()


async def test_subsidy_application_in_the_local_chat(redis, redis_url, key_prefix, tmp_path):
    local, out = chat(redis, redis_url, key_prefix)
    scan = tmp_path / "id-card.pdf"
    scan.write_bytes(b"%PDF-1.4 test")
    await local.send("/lang en")
    await local.send("/start subsidy")
    # no key group, no residence, first business, not registered, small/micro, Putuo, no lease,
    # not a dishonest debtor
    for line in ("7", "4", "1", "2", "1", "Putuo", "2", "2"):
        await local.send(line)
    assert "Startup guarantee loan" in out.getvalue()
    await local.send("1")  # the only programme offered: the loan
    await local.send("1")  # ✅ I agree
    for line in ("Wang Wu", "11010519491231002X", "13812345678", "20万"):
        await local.send(line)
    await local.send(f"/file {scan}")
    assert "Received id-card.pdf" in out.getvalue()
    assert "Files received (1):\n• 1. id-card.pdf · 1 KB" in out.getvalue()
    await local.send(f"/file {scan}")  # the same path again: recognised
    assert "Already received: id-card.pdf is in the list." in out.getvalue()
    fake = tmp_path / "scan.png"
    fake.write_text("a text file named like a picture\n")
    await local.send(f"/file {fake}")
    assert "scan.png is not a PDF, JPEG or PNG file." in out.getvalue()
    await local.send(tap(local, Op.DONE))
    assert "110105********002X" in out.getvalue()
    await local.send(tap(local, Op.CONFIRM))
    assert "Reference number: SUB-" in out.getvalue()
    state = await local.service.store.peek(local.founder.address)
    assert state.applications[0]["programme"] == "startup_loan" and "subsidy" not in state.drafts
    record = await local.service.store.submissions.get(state.applications[0]["reference"])
    assert record is not None and record.answers["applicant_name"] == "Wang Wu"
    assert record.answers["loan_amount"] == "200000"


async def test_lang_at_the_offer_redraws_the_offer_in_the_new_language(
    redis, redis_url, key_prefix
):
    """/lang at the offer after /start redraws the offer (▶️ Continue / 🔄 Start over) in that
    language, not the question behind it (found walking by hand in the local chat)."""
    local, out = chat(redis, redis_url, key_prefix)
    await local.send("/start registration")
    await local.send("1")  # Limited company
    await local.send("/start")
    assert "欢迎回来" in out.getvalue()
    seen = len(out.getvalue())
    await local.send("/lang en")
    shown = out.getvalue()[seen:]
    assert "Language set to English." in shown
    assert "Continue where you stopped?" in shown and "Start over" in shown
    assert "industry" not in shown.lower()
    await local.send("1")  # ▶️ Continue: the offer's first button, as drawn
    assert "Welcome back. Continuing where you stopped" in out.getvalue()[seen:]


async def test_an_edit_is_printed_anew_marked_and_keeps_its_message_id() -> None:
    """A broadcast's progress message is edited in place on Telegram; a terminal prints the
    new text, marked ↻, and the message keeps its id (the next edit is of the same one)."""
    out = io.StringIO()
    channel = LocalChannel(out)
    chat = Address("local", "1")
    [first] = await channel.send(chat, [RenderedMessage("📤 1 / 3")])
    assert await channel.send(chat, [RenderedMessage("📤 2 / 3")], edit=first) == [first]
    assert out.getvalue() == "\n📤 1 / 3\n\n↻ 📤 2 / 3\n"
