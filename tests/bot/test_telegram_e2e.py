"""End to end over HTTP: the real bot process (`python -m bot`) polls a stand-in Bot API server,
keeps its state in a real Redis, is killed mid-way and restarted (on the other Telegram
runtime too), and resumes at the same question. Every test runs on both runtimes."""

from __future__ import annotations

import pytest
from botapi_stub import BotApiStub
from telegram_harness import CJK, at_step, other_runtime, pick_data, tap

from flows.engine.address import Address

T = Address.telegram


@pytest.mark.parametrize(
    ("lang", "user", "district", "expect"),
    [
        ("zh-hans", 501, "静安", "登记"),
        ("en", 502, "Jing'an", "registration"),
    ],
)
async def test_registration_survives_a_killed_bot(api, bot, lang, user, district, expect):
    api.push_message(user, "/start", language_code=lang)
    menu = await api.wait_for_message(
        user, lambda m: "a:o::" in str(BotApiStub.buttons(m)), timeout=20
    )
    assert bool(CJK.search(menu["text"])) == lang.startswith("zh")
    await tap(api, user, menu, "o", "registration", lang)
    question = await api.wait_for_message(user, at_step(0))
    await tap(api, user, question, "p", "llc", lang)
    question = await api.wait_for_message(user, at_step(1))
    await tap(api, user, question, "p", "software_it", lang)
    question = await api.wait_for_message(user, at_step(2))
    api.push_message(user, "二十五", language_code=lang)  # not a number: refused, step kept
    refused = await api.wait_for_message(user, at_step(2))
    assert "⚠️" in refused["text"]
    api.push_message(user, "25", language_code=lang)
    await api.wait_for_message(user, at_step(3))

    await bot.kill()  # mid-way: the next answer reaches a new process, on the other runtime
    await bot.start(other_runtime(bot.runtime))
    api.push_message(user, "400万", language_code=lang)
    question = await api.wait_for_message(user, at_step(5), timeout=20)
    api.push_message(user, district, language_code=lang)
    question = await api.wait_for_message(user, at_step(6))
    await tap(api, user, question, "p", "none", lang)
    question = await api.wait_for_message(user, at_step(7))
    if lang.startswith("zh"):  # toggling an option edits the same message in place
        await tap(api, user, question, "p", "graduate", lang)
        toggled = await api.wait_for_message(user, lambda m: "✅" in str(BotApiStub.buttons(m)))
        assert toggled["message_id"] == question["message_id"]
        await tap(api, user, toggled, "d", "", lang)
    else:
        await tap(api, user, question, "s", "", lang)
    summary = await api.wait_for_message(user, lambda m: "a:y:reg" in str(BotApiStub.buttons(m)))
    assert "4,000,000" in summary["text"]
    await tap(api, user, summary, "y", "", lang)
    steps = "a:v::1.0:registration"  # the checklist: a short overview, a button per section
    done = await api.wait_for_message(user, lambda m: steps in str(BotApiStub.buttons(m)))
    assert (
        ("小型企业" in done["text"])
        if lang.startswith("zh")
        else ("small enterprise" in done["text"])
    )
    api.push_callback(user, steps, done["message_id"], language_code=lang)
    section = await api.wait_for_message(user, lambda m: "yct.sh.gov.cn" in m["text"])
    assert "a:v:::registration" in str(BotApiStub.buttons(section))  # ↩️ back to the overview
    everything = "\n".join(m["text"] for m in api.messages_to(user))
    assert expect in everything.lower() or expect in everything
    assert all(len(m["text"]) <= 1200 for m in api.messages_to(user))


async def test_resume_after_restart_shows_the_same_question(api, bot):
    user = 503
    api.push_message(user, "/start registration", language_code="en")
    question = await api.wait_for_message(user, at_step(0), timeout=20)
    await tap(api, user, question, "p", "partnership", "en")
    await api.wait_for_message(user, at_step(1))
    await bot.kill()
    await bot.start()
    api.push_message(user, "/start", language_code="en")
    offer = await api.wait_for_message(
        user, lambda m: "a:o:::registration" in str(BotApiStub.buttons(m)), timeout=20
    )
    assert "1 of" in offer["text"]
    await tap(api, user, offer, "o", "registration", "en")
    await api.wait_for_message(user, at_step(1))


async def test_language_switch_and_unsupported_messages(api, bot):
    user = 504
    api.push_message(user, "/start registration", language_code="zh-hans")
    question = await api.wait_for_message(user, at_step(0), timeout=20)
    assert CJK.search(question["text"])
    api.push_sticker(user)
    refused = await api.wait_for_message(user, at_step(0))
    assert "⚠️" in refused["text"]
    api.push_message(user, "/language en", language_code="zh-hans")
    english = await api.wait_for_message(user, at_step(0))
    assert not CJK.search(english["text"].split("\n")[0])
    commands = api.commands
    assert {"zh", "en"} <= set(commands)


async def test_a_burst_of_answers_lands_in_order(api, bot, redis, key_prefix):
    user = 505
    api.push_message(user, "/start registration", language_code="en")
    question = await api.wait_for_message(user, at_step(0), timeout=20)
    await tap(api, user, question, "p", "llc", "en")
    question = await api.wait_for_message(user, at_step(1))
    await tap(api, user, question, "p", "retail", "en")
    await api.wait_for_message(user, at_step(2))
    for text in ("12", "150万", "Minhang"):  # typed fast, before any reply arrives
        api.push_message(user, text, language_code="en")
    await api.wait_for_message(user, at_step(6), timeout=20)
    from bot.config import Settings
    from storage.crypto import FieldCipher
    from storage.founders import FounderStore
    from storage.keys import KeyBuilder

    cipher = FieldCipher.from_keys(Settings().encryption_keys())
    store = FounderStore(redis, ["registration"], keys=KeyBuilder(key_prefix), cipher=cipher)
    state = await store.peek(T(user))
    answers = state.drafts["registration"].answers
    assert (answers["staff"], answers["revenue"], answers["district"]) == (12, "1500000", "minhang")


async def test_forged_stale_and_foreign_input_is_refused_and_the_draft_kept(api, bot, redis):
    """What a client can send but this bot never offered: a button for another step, data it did
    not write, a case button in a founder's chat, another founder's button, an overlong text
    and a sticker. Each gets an answer; the founder stays on the same question."""
    user, other = 506, 507
    api.push_message(user, "/start registration", language_code="en")
    question = await api.wait_for_message(user, at_step(0), timeout=20)
    await tap(api, user, question, "p", "llc", "en")
    question = await api.wait_for_message(user, at_step(1))
    api.push_message(other, "/start registration", language_code="en")
    foreign = await api.wait_for_message(other, at_step(0))

    for data in ("a:p:reg:9:zzz", "not-ours", "a:p:reg:1"):
        api.push_callback(user, data, question["message_id"], language_code="en")
        answer = await api.wait_for_message(user, timeout=10)
        assert "earlier message" in answer["text"] or "⚠️" in answer["text"], answer["text"]
    api.push_callback(user, "c:a:SUB-20260101-XXXXXX", question["message_id"], language_code="en")
    [(_label, foreign_data)] = [b for b in BotApiStub.buttons(foreign) if ":llc" in b[1]][:1]
    api.push_callback(user, foreign_data, question["message_id"], language_code="en")
    api.push_message(user, "x" * 5000, language_code="en")
    refused = await api.wait_for_message(user, lambda m: "⚠️" in m["text"])
    assert len(refused["text"]) < 1200
    api.push_sticker(user, language_code="en")
    await api.wait_for_message(user, lambda m: "⚠️" in m["text"])

    case_answers = [a for a in api.callback_answers if a.get("show_alert")]
    assert case_answers and "unknown" in case_answers[-1]["text"]
    api.push_message(user, "/start", language_code="en")
    offer = await api.wait_for_message(user, lambda m: "a:o:::registration" in str(m))
    assert "1 of 8 answered" in offer["text"]  # at question 2 still: nothing forged was taken


async def test_a_catering_founder_types_the_labels_and_reads_short_grounded_sections(api, bot):
    """Over Telegram, on both runtimes: labels typed instead of tapped (全角 too), the
    checklist's licences for catering, no makerspace address for a restaurant, and no message
    over 1,200 characters."""
    user, lang = 508, "zh-hans"
    api.push_message(user, "/start registration", language_code=lang)
    await api.wait_for_message(user, at_step(0), timeout=20)
    # field indexes: catering asks staff and revenue, not assets (index 4)
    for typed, step in [("有限公司", 1), ("餐饮", 2), ("８", 3), ("200万", 5), ("徐汇", 6)]:
        api.push_message(user, typed, language_code=lang)
        await api.wait_for_message(user, at_step(step))
    api.push_message(user, "暂无", language_code=lang)
    await api.wait_for_message(user, at_step(7))
    api.push_message(user, "跳过", language_code=lang)
    await api.wait_for_message(user, lambda m: "a:y:reg" in str(BotApiStub.buttons(m)))
    api.push_message(user, "确认", language_code=lang)
    overview = await api.wait_for_message(user, lambda m: "a:v::" in str(BotApiStub.buttons(m)))
    sections = [d for _l, d in BotApiStub.buttons(overview) if d.startswith("a:v::")]
    texts = []
    for data in sections:
        api.push_callback(user, data, overview["message_id"], language_code=lang)
        texts.append((await api.wait_for_message(user, lambda m: "↩️" in str(m)))["text"])
    everything = "\n".join(texts)
    assert "食品经营许可证" in everything and "众创空间" not in everything
    assert all(len(m["text"]) <= 1200 for m in api.messages_to(user))


async def test_taps_texts_and_files_sent_within_milliseconds_land_in_their_questions(
    api, bot, redis, key_prefix
):
    """A tap, then typed answers, a sticker and more taps, all pushed before any reply: each is
    handled in arrival order, on both runtimes, so each answer lands in its own question."""
    user, lang = 509, "en"
    api.push_message(user, "/start registration", language_code=lang)
    first = await api.wait_for_message(user, at_step(0), timeout=20)
    api.push_callback(user, pick_data(first, "p", "llc"), first["message_id"], lang)
    api.push_message(user, "Retail", language_code=lang)  # the industry, typed
    api.push_message(user, "12", language_code=lang)  # staff
    api.push_sticker(user, language_code=lang)  # refused where revenue is asked, changes nothing
    api.push_message(user, "150万", language_code=lang)  # revenue
    api.push_message(user, "Minhang", language_code=lang)  # district
    await api.wait_for_message(user, at_step(6), timeout=20)  # premises
    answers = (await peek(key_prefix, user)).drafts["registration"].answers
    assert (answers["business_form"], answers["industry"]) == ("llc", "retail")
    assert (answers["staff"], answers["revenue"], answers["district"]) == (12, "1500000", "minhang")


async def peek(key_prefix: str, user: int):
    """The founder's state as the bot stored it (the test's own client, the bot's data key)."""
    import redis.asyncio as aioredis

    from bot.config import Settings
    from storage.crypto import FieldCipher
    from storage.founders import FounderStore
    from storage.keys import KeyBuilder

    settings = Settings()
    client = aioredis.from_url(settings.redis_url)
    try:
        cipher = FieldCipher.from_keys(settings.encryption_keys())
        store = FounderStore(client, ["registration"], keys=KeyBuilder(key_prefix), cipher=cipher)
        return await store.peek(T(user))
    finally:
        await client.aclose()


async def test_language_switch_at_the_offer_redraws_the_offer(api, bot):
    user = 510
    api.push_message(user, "/start registration", language_code="zh-hans")
    question = await api.wait_for_message(user, at_step(0), timeout=20)
    await tap(api, user, question, "p", "llc")
    await api.wait_for_message(user, at_step(1))
    api.push_message(user, "/start", language_code="zh-hans")
    await api.wait_for_message(user, lambda m: "a:r:::registration" in str(BotApiStub.buttons(m)))
    api.push_message(user, "/language en", language_code="zh-hans")
    offer = await api.wait_for_message(
        user, lambda m: "a:r:::registration" in str(BotApiStub.buttons(m))
    )
    assert "Continue where you stopped?" in offer["text"]
