"""A founder's file read at the edge before the turn: its type from its content, its size and
digest; a fetch that fails, hangs or is not tried leaves it unread, and other events pass."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from bot.core.channel import FileGone, Unreachable
from bot.core.files import read_file, with_content
from flows.engine.address import Address
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.files import DEFAULT_FILE_BYTES

OWNER = Address.telegram(42)
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8
CLAIMED = FileRef("tg-1", "scan.png", "image/png", 10, unique="u-tg-1")


def serving(content: bytes, asked: list[tuple[Address, str]] | None = None):
    async def fetch(owner: Address, file_id: str) -> bytes:
        if asked is not None:
            asked.append((owner, file_id))
        return content

    return fetch


@pytest.mark.parametrize(
    ("content", "sniffed"),
    [
        (PDF, "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 50, "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "image/png"),
        (b"plain text that calls itself scan.png\n", ""),
        (b"", ""),
    ],
)
async def test_the_type_size_and_digest_come_from_the_content(content, sniffed):
    asked: list[tuple[Address, str]] = []
    read = await read_file(OWNER, CLAIMED, serving(content, asked))
    assert asked == [(OWNER, "tg-1")]
    assert read.sniffed == sniffed and read.size == len(content)
    assert read.sha256 == hashlib.sha256(content).hexdigest()
    assert (read.file_id, read.name, read.mime, read.unique) == (
        "tg-1",
        "scan.png",
        "image/png",
        "u-tg-1",
    )


@pytest.mark.parametrize("error", [FileGone("gone"), Unreachable("no channel"), OSError("reset")])
async def test_a_failed_fetch_leaves_the_file_unread(error):
    async def failing(owner: Address, file_id: str) -> bytes:
        raise error

    assert await read_file(OWNER, CLAIMED, failing) == CLAIMED


async def test_a_fetch_that_hangs_gives_up():
    async def hanging(owner: Address, file_id: str) -> bytes:
        await asyncio.sleep(30)
        return PDF

    assert await read_file(OWNER, CLAIMED, hanging, timeout=0.05) == CLAIMED


async def test_a_file_over_the_limit_is_not_fetched():
    asked: list[tuple[Address, str]] = []
    big = FileRef("tg-2", "big.pdf", "application/pdf", DEFAULT_FILE_BYTES + 1)
    assert await read_file(OWNER, big, serving(PDF, asked)) == big and asked == []


async def test_only_file_events_are_read():
    asked: list[tuple[Address, str]] = []
    text = Event.of_text("hello")
    assert await with_content(OWNER, text, serving(PDF, asked)) is text and asked == []
    event = Event(EventKind.FILE, file=CLAIMED)
    read = await with_content(OWNER, event, serving(PDF, asked))
    assert read.file is not None and read.file.sniffed == "application/pdf"
    assert await with_content(OWNER, event, None) is event  # no way to fetch: left unread
