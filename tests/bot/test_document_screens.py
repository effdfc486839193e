"""A document question's screen as a founder reads it, in both languages: the files listed
with name and localized size, and the screen under 1,200 characters and every button's data
under 64 bytes however many files, and however long their names, were sent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from applications import subsidy_answers

from bot.core.callbacks import pack
from bot.core.i18n import Catalogs
from bot.core.render import Renderer
from flows.engine.draft import Draft
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.runner import FlowRunner
from flows.engine.spec import Context
from flows.policy.loader import load_policy_data
from flows.shell.registry import all_flows

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy_data()
SPEC = next(s for s in all_flows(POLICY) if s.id == "subsidy")
RENDERER = Renderer(Catalogs(ROOT / "locales"))
SCREEN_LIMIT = 1200


def draft_with(count: int, name_length: int) -> Draft:
    records = [
        {
            "file_id": f"BQACAgUAAxkBAAI{n:04d}" + "x" * 50,
            "name": ("营业执照扫描件" * 40)[: name_length - 8] + f"-{n:03d}.pdf",
            "mime": "application/pdf",
            "size": 19 * 1024 * 1024 + n,
            "unique": f"AgADnbsxG8kx{n:04d}",
            "digest": f"{n:016x}",
        }
        for n in range(count)
    ]
    answers = subsidy_answers("startup_subsidy")
    return Draft(
        flow="subsidy", step="doc_id_card", answers=answers, scratch={"doc_id_card": records}
    )


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_list_reads_with_names_and_sizes(locale):
    runner = FlowRunner(SPEC)
    draft = draft_with(0, 0)
    ctx = Context(policy=POLICY, today=date(2026, 11, 28), locale=locale)
    file = FileRef("f-1", "licence.pdf", "application/pdf", 250_000, sniffed="application/pdf")
    [reply] = runner.handle(draft, Event(EventKind.FILE, file=file), ctx).replies
    text = RENDERER.render(reply, locale).text
    if locale == "en":
        assert (
            "Received licence.pdf" in text
            and "Files received (1):\n• 1. licence.pdf · 245 KB" in text
        )
    else:
        assert (
            "已收到 licence.pdf" in text
            and "已收到的文件（1 个）：\n• 1. licence.pdf · 245 KB" in text
        )
    labels = [b.label for row in RENDERER.render(reply, locale).buttons for b in row]
    assert "🗑 1" in labels


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize(("count", "name_length"), [(1, 255), (8, 255), (9, 120), (60, 255)])
def test_the_screen_stays_short_however_many_files(locale, count, name_length):
    runner = FlowRunner(SPEC)
    draft = draft_with(count, name_length)
    ctx = Context(policy=POLICY, today=date(2026, 11, 28), locale=locale)
    long_name = "扫描" * 120 + ".png"
    file = FileRef("f-x", long_name, "image/png", 10, sniffed="text/plain")  # refused, named
    for event in (
        Event(EventKind.FILE, file=file),
        Event(EventKind.FILE, file=FileRef("f-y", long_name, "image/png", 10, sniffed="image/png")),
    ):
        for reply in runner.handle(draft, event, ctx).replies:
            message = RENDERER.render(reply, locale)
            assert len(message.text) <= SCREEN_LIMIT, message.text
            for row in message.buttons:
                for button in row:
                    pack(button.action)  # raises over 64 bytes
