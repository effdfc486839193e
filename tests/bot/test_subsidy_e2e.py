"""A startup subsidy application end to end over HTTP, in English and in Chinese: eligibility,
consent, the form, two documents (the bot is killed and restarted between them), review,
and a double-tapped submit that yields exactly one submission and one outbox entry."""

from __future__ import annotations

import pytest
from botapi_stub import BotApiStub
from telegram_harness import CJK, at_step, other_runtime, pdf, tap

from bot.config import Settings
from flows.policy.loader import load_policy_data
from flows.shell.registry import all_flows
from storage.crypto import FieldCipher
from storage.keys import KeyBuilder
from storage.submissions import SubmissionStore

SPEC = next(s for s in all_flows(load_policy_data()) if s.id == "subsidy")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
GOOD_ID = "11010519491231002X"


def at(name: str):
    return at_step(SPEC.index(name), "sub")


ANSWERS = {
    "en": {
        "date": "2025-01-10",
        "district": "Xuhui",
        "name": "Li Si",
        "company": "Shanghai Example Tech Co., Ltd.",
    },
    "zh": {
        "date": "2025年1月10日",
        "district": "徐汇区",
        "name": "李四",
        "company": "上海示例科技有限公司",
    },
}


@pytest.mark.parametrize(("lang", "user"), [("en", 701), ("zh-hans", 702)])
async def test_subsidy_application_end_to_end(api, bot, redis, key_prefix, lang, user):
    said = ANSWERS["zh" if lang.startswith("zh") else "en"]

    async def pick(step: str, value: str, op: str = "p") -> None:
        message = await api.wait_for_message(user, at(step), timeout=20)
        await tap(api, user, message, op, value, lang)

    async def answer(step: str, text: str) -> None:
        await api.wait_for_message(user, at(step), timeout=20)
        api.push_message(user, text, language_code=lang)

    api.push_message(user, "/start subsidy", language_code=lang)
    await pick("applicant", "other")
    await pick("residence", "none")
    await pick("first_business", "yes")
    await pick("registered", "yes")
    await answer("registered_on", said["date"])
    await pick("org_type", "small_micro")
    await answer("district", said["district"])
    await answer("insured_staff", "0")
    await pick("lease", "no")
    await pick("dishonest", "no")
    results = await api.wait_for_message(user, at("programme"))
    assert bool(CJK.search(results["text"])) == lang.startswith("zh")
    await tap(api, user, results, "p", "startup_loan", lang)
    await pick("consent", "agree")
    await answer("applicant_name", said["name"])
    await answer("id_number", GOOD_ID.lower())
    await answer("mobile", "+86 138 1234 5678")
    await answer("company_name", said["company"])
    await answer("credit_code", "91130600738737199K")
    await answer("loan_amount", "100万")

    await api.wait_for_message(user, at("doc_id_card"))
    api.push_document(
        user,
        f"doc-{user}-1",
        "id-card.pdf",
        "application/pdf",
        120_000,
        content=pdf("id card"),
        language_code=lang,
    )
    received = await api.wait_for_message(user, at("doc_id_card"))
    assert "id-card.pdf" in received["text"]
    await tap(api, user, received, "d", "", lang)
    await api.wait_for_message(user, at("doc_business_licence"))

    await bot.kill()  # the founder leaves; the bot restarts, on the other runtime too
    await bot.start(other_runtime(bot.runtime))
    api.push_message(user, "/start", language_code=lang)
    offer = await api.wait_for_message(
        user, lambda m: "a:o:::subsidy" in str(BotApiStub.buttons(m)), timeout=20
    )
    await tap(api, user, offer, "o", "subsidy", lang)
    await api.wait_for_message(user, at("doc_business_licence"))
    api.push_photo(user, f"photo-{user}", 300_000, language_code=lang, content=JPEG)
    for page in (1, 2):  # an album: two files sent at once, both kept
        api.push_document(
            user,
            f"lic-{user}-{page}",
            f"licence-p{page}.pdf",
            "application/pdf",
            90_000,
            content=pdf(f"licence page {page}"),
            language_code=lang,
            album=f"album-{user}",
        )
    received = await api.wait_for_message(
        user, lambda m: at("doc_business_licence")(m) and "licence-p2.pdf" in m["text"]
    )
    await tap(api, user, received, "d", "", lang)

    summary = await api.wait_for_message(user, lambda m: "a:y:sub" in str(BotApiStub.buttons(m)))
    assert GOOD_ID not in summary["text"] and "110105********002X" in summary["text"]
    assert "138****5678" in summary["text"]
    await tap(api, user, summary, "y", "", lang)
    await tap(api, user, summary, "y", "", lang)  # double tap
    done = await api.wait_for_message(user, lambda m: "SUB-" in m["text"])
    api.push_message(user, "/apps", language_code=lang)
    await api.wait_for_message(user, lambda m: "SUB-" in m["text"])

    cipher = FieldCipher.from_keys(Settings().encryption_keys())
    submissions = SubmissionStore(redis, KeyBuilder(key_prefix), cipher, {"id_number", "mobile"})
    outbox = await submissions.outbox()
    assert len(outbox) == 1 and outbox[0]["founder"] == f"telegram:{user}"
    record = await submissions.get(outbox[0]["reference"])
    assert record is not None and outbox[0]["reference"] in done["text"]
    assert record.answers["id_number"] == GOOD_ID and record.programme == "startup_loan"
    assert [(a["document"], a["name"]) for a in record.attachments] == [
        ("id_card", "id-card.pdf"),
        ("business_licence", f"photo-u-photo-{user}.jpg"),
        ("business_licence", "licence-p1.pdf"),  # the album, both files, in order
        ("business_licence", "licence-p2.pdf"),
    ]
    raw = await redis.get(KeyBuilder(key_prefix).submission(record.reference))
    assert GOOD_ID.encode() not in raw and b"13812345678" not in raw
    log = bot.log.read_text(errors="replace")
    assert "submitted" in log or "flow=" in log  # the process did log its work …
    assert (
        GOOD_ID not in log and GOOD_ID.lower() not in log and "13812345678" not in log
    )  # … never the data
