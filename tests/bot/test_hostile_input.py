"""Hostile input narrowed once, at the edge: button data by one total parser, text and file
names made valid and visible, file sizes in range; every update gets an answer."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from bot.core.callbacks import CaseTap, parse
from bot.core.inbound import FORGED, clean, event_of, from_callback
from flows.engine.events import EventKind
from flows.engine.outcome import Action, Op


@pytest.mark.parametrize(
    "data",
    [
        "a:e:sub:s:²",  # a Unicode digit: "²".isdigit() is True, int("²") raises
        "a:e:sub:s:①",
        "a:e:sub:s:٣",  # Arabic-Indic three
        "a:p:reg:0:llc\u0000",
        "a:p:reg:0:有限",
        "a:p:reg:0",  # a part missing
        "a:p:reg:0:x:y",  # one too many
        "a:zz:reg:0:x",  # no such op
        "c:a:",  # a case button without its reference
        "c:a:SUB\u202e-1",
        "x" * 65,
        "",
    ],
)
def test_button_data_we_did_not_send_is_refused_whole(data):
    assert parse(data) is None


def test_button_data_we_send_reads_back():
    assert parse("a:e:sub:s:12") == Action(Op.EDIT, "sub", "s", "12")
    assert parse("c:a:SUB-20261128-7Q4K9M") == CaseTap("a", "SUB-20261128-7Q4K9M")


def test_a_forged_tap_becomes_an_action_no_flow_takes():
    user = SimpleNamespace(id=5, first_name="A", last_name=None, language_code="en")
    query = SimpleNamespace(from_user=user, message=None, data="a:e:sub:s:²")
    assert from_callback(1, query).event.action == FORGED


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("ok\ud800", "ok\ufffd"),  # a lone surrogate cannot be stored or sent
        ("evil\u202etxt.pdf", "eviltxt.pdf"),  # a bidi override would reverse what is shown
        ("a\u0007b\u0000c", "abc"),
        ("多行\n文本\t保留", "多行\n文本\t保留"),
    ],
)
def test_text_is_made_valid_and_visible(raw, shown):
    assert clean(raw) == shown


def message(**content):
    fields = {"text": None, "document": None, "photo": None} | content
    return SimpleNamespace(**fields)


def test_a_file_with_an_impossible_size_is_refused_at_the_edge():
    doc = SimpleNamespace(
        file_id="f", file_unique_id="u", file_name="a.pdf", mime_type="application/pdf",
        file_size=-1,
    )  # fmt: skip
    assert event_of(message(document=doc)).kind is EventKind.UNSUPPORTED
    doc.file_size, doc.file_name = 10, "a\u202e.pdf\ud800"
    event = event_of(message(document=doc))
    assert event.kind is EventKind.FILE and event.file is not None
    assert event.file.name == "a.pdf\ufffd"


async def test_every_update_gets_an_answer_even_when_the_turn_fails(redis, redis_url, key_prefix):
    from bot.config import Settings
    from bot.core.service import Founder
    from bot.wiring import create_app
    from flows.engine.address import Address
    from flows.engine.events import Event

    app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)

    class Broken:
        def handle(self, *args, **kwargs):
            raise RuntimeError("a bug")

    app.service.conversation = Broken()  # type: ignore[assignment]
    told: list[str] = []

    async def deliver(messages, locale):
        told.extend(m.text for m in messages)

    founder = Founder(Address.telegram(77), "en")
    await app.service.handle(founder, Event.of_text("hi"), deliver, 1)
    assert told and "something went wrong" in told[0]
    turn = await asyncio.wait_for(app.store.begin(founder.address, 2), 2)  # the turn was freed
    assert turn is not None
    await app.store.release(founder.address, turn.token)
