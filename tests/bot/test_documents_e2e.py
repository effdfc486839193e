"""Documents a founder can manage, end to end over the stand-in Bot API on both runtimes: a real
PDF listed with name and size, a text file named .png refused by its content, a file sent
twice recognised, one that cannot be fetched asked for again, an album of two kept, a file
removed (the list edited in place), a photo added, and a removal while editing from the
summary counted there at once."""

from __future__ import annotations

import hashlib
from math import ceil

from applications import subsidy_answers
from botapi_stub import BotApiStub
from telegram_harness import at_step, pdf, pick_data, tap

from bot.config import Settings
from bot.wiring import create_app
from flows.engine.address import Address
from flows.engine.draft import SUMMARY, Draft
from flows.policy.loader import load_policy_data
from flows.shell.registry import all_flows
from storage.founders import FounderStore

SPEC = next(s for s in all_flows(load_policy_data()) if s.id == "subsidy")
ID_CARD = SPEC.index("doc_id_card")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 3
EN = "en"


async def seeded(redis, redis_url: str, key_prefix: str, user: int, draft: Draft) -> FounderStore:
    """The founder's subsidy application as if answered up to `draft.step`, in English."""
    store = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis).store
    turn = await store.begin(Address.telegram(user))
    assert turn is not None
    turn.state.prefs.lang, turn.state.prefs.active = EN, "subsidy"
    turn.state.touch("prefs")
    turn.state.put_draft(draft)
    await store.commit(turn)
    return store


async def received(store: FounderStore, user: int) -> list[str]:
    draft = (await store.peek(Address.telegram(user))).drafts["subsidy"]
    files = draft.scratch.get("doc_id_card", draft.answers.get("doc_id_card") or [])
    return [f["name"] for f in files]


def key(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:10]


async def test_a_founder_manages_the_documents_of_a_question(
    api, bot, redis, redis_url, key_prefix
):
    user = 731
    draft = Draft(flow="subsidy", step="doc_id_card", answers=subsidy_answers("startup_subsidy"))
    store = await seeded(redis, redis_url, key_prefix, user, draft)
    front = pdf("ID card, front")

    api.push_document(user, "id-1", "id-card.pdf", "application/pdf", 1, content=front)
    got = await api.wait_for_message(user, lambda m: "Received id-card.pdf" in m["text"])
    size = ceil(len(front) / 1024)
    assert f"Files received (1):\n• 1. id-card.pdf · {size} KB" in got["text"]
    assert ("🗑 1", f"a:x:sub:{ID_CARD}:{key(front)}") in BotApiStub.buttons(got)

    api.push_document(
        user, "fake-1", "scan.png", "image/png", 31, content=b"plain text, no image\n"
    )
    refused = await api.wait_for_message(user, lambda m: "scan.png is not a PDF" in m["text"])
    assert "Files received (1):" in refused["text"]

    again = "Already received: id-card.pdf is in the list."
    api.push_document(user, "id-1-resent", "id-card.pdf", "application/pdf", 1, unique_id="u-id-1")
    await api.wait_for_message(user, lambda m: again in m["text"])  # same file_unique_id,
    # known before its bytes are (here they cannot even be fetched)
    api.push_document(user, "id-copy", "copy.pdf", "application/pdf", 1, content=front)
    await api.wait_for_message(user, lambda m: again in m["text"])  # same content

    api.push_document(user, "gone-1", "lost.pdf", "application/pdf", 500)  # Telegram lacks it
    await api.wait_for_message(user, lambda m: "couldn't read lost.pdf" in m["text"])
    assert await received(store, user) == ["id-card.pdf"]

    for page in (1, 2):  # an album: two files sent at once, both kept, in order
        api.push_document(
            user,
            f"back-{page}",
            f"back-p{page}.pdf",
            "application/pdf",
            1,
            content=pdf(f"ID card, back, page {page}"),
            album="album-731",
        )
    listed = await api.wait_for_message(user, lambda m: "Files received (3):" in m["text"])
    assert "• 2. back-p1.pdf" in listed["text"] and "• 3. back-p2.pdf" in listed["text"]

    api.push_callback(user, pick_data(listed, "x", key(front)), listed["message_id"], EN)
    edited = await api.wait_for_message(user, lambda m: "Removed id-card.pdf" in m["text"])
    assert edited["message_id"] == listed["message_id"]  # the list is updated in place
    assert "Files received (2):\n• 1. back-p1.pdf" in edited["text"]
    assert [label for label, _ in BotApiStub.buttons(edited) if label.startswith("🗑")] == [
        "🗑 1",
        "🗑 2",
    ]

    api.push_photo(user, "photo-1", len(JPEG), EN, content=JPEG)
    photo = await api.wait_for_message(user, lambda m: "Files received (3):" in m["text"])
    assert await received(store, user) == ["back-p1.pdf", "back-p2.pdf", "photo-u-photo-1.jpg"]
    draft = (await store.peek(Address.telegram(user))).drafts["subsidy"]
    assert [f["mime"] for f in draft.scratch["doc_id_card"]] == [
        "application/pdf",
        "application/pdf",
        "image/jpeg",
    ]
    await tap(api, user, photo, "d", "", EN)
    await api.wait_for_message(user, at_step(SPEC.index("doc_business_licence"), "sub"))


async def test_a_removal_while_editing_from_the_summary_is_counted_at_once(
    api, bot, redis, redis_url, key_prefix
):
    user = 732
    answers = subsidy_answers("startup_subsidy")
    for field in SPEC.fields:
        if field.name.startswith("doc_") and field.when is not None and field.when(answers):
            pages = 3 if field.name == "doc_id_card" else 1
            answers[field.name] = [
                {"file_id": f"{field.name}-{n}", "name": f"{field.name}-{n}.pdf", "size": 4096}
                for n in range(1, pages + 1)
            ]
    store = await seeded(
        redis, redis_url, key_prefix, user, Draft(flow="subsidy", step=SUMMARY, answers=answers)
    )
    api.push_message(user, "hmm", language_code=EN)  # at the summary: asked to confirm or edit
    summary = await api.wait_for_message(user, lambda m: "3 file(s)" in m["text"])

    await tap(api, user, summary, "e", str(ID_CARD), EN)
    editing = await api.wait_for_message(user, lambda m: "Files received (3):" in m["text"])
    assert "Current answer" not in editing["text"]
    remove = hashlib.sha256(b"doc_id_card-2").hexdigest()[:10]
    api.push_callback(user, pick_data(editing, "x", remove), editing["message_id"], EN)
    edited = await api.wait_for_message(user, lambda m: "Files received (2):" in m["text"])
    draft = (await store.peek(Address.telegram(user))).drafts["subsidy"]
    assert [f["name"] for f in draft.answers["doc_id_card"]] == [
        "doc_id_card-1.pdf",
        "doc_id_card-3.pdf",
    ]  # the answer itself, before Done

    await tap(api, user, edited, "d", "", EN)
    back = await api.wait_for_message(user, lambda m: "a:y:sub" in str(BotApiStub.buttons(m)))
    assert "2 file(s)" in back["text"] and "3 file(s)" not in back["text"]
