"""A file question, pure: a second copy of a file recognised (by the channel's id, its stable
id or the content's digest); content that is not an accepted type refused, whatever the name
or the client's claim."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from flows.engine import files
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.outcome import Reply
from flows.engine.runner import FlowRunner
from flows.engine.spec import Completion, Context, Field, FlowSpec, Kind
from flows.engine.text import Text
from flows.policy.loader import load_policy_data

CTX = Context(policy=load_policy_data(), today=date(2026, 11, 28))
PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
SPEC = FlowSpec(
    id="docs",
    code="doc",
    title="Docs",
    intro="Documents",
    articles=(1,),
    fields=(
        Field("papers", "Papers?", Kind.FILE),
        Field("extra", "Anything else?", Kind.FILE, optional=True),
    ),
    complete=lambda answers, ctx: Completion(blocks=()),
)


def ref(name: str, content: str = "", *, sniffed: str | None = PDF, **kw: object) -> FileRef:
    """A file as the core hands it on: `content` stands for its bytes (digest and stable id)."""
    content = content or name
    fields: dict[str, object] = {
        "unique": f"u-{content}",
        "sha256": hashlib.sha256(content.encode()).hexdigest(),
        "size": 2048,
    } | kw
    return FileRef(f"id-{name}", name, PDF, sniffed=sniffed, **fields)  # type: ignore[arg-type]


class Desk:
    """Drives the runner on the toy flow."""

    def __init__(self) -> None:
        self.runner = FlowRunner(SPEC)
        self.draft = self.runner.begin(0)
        self.screen: Reply | None = None

    def send(self, file: FileRef) -> Reply:
        result = self.runner.handle(self.draft, Event(EventKind.FILE, file=file), CTX)
        self.screen = result.replies[-1]
        return self.screen

    def names(self, name: str = "papers") -> list[str]:
        return [f["name"] for f in files.received(self.draft, SPEC.field(name))]


def blocks(reply: Reply) -> list[tuple[str, dict[str, object]]]:
    return [(b.msgid, b.params) for b in reply.blocks if isinstance(b, Text)]


def msgids(reply: Reply) -> str:
    """Every msgid of a reply, nested ones too, for `in` checks."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, Text):
            found.append(value.msgid)
            for param in value.params.values():
                walk(param)

    for block in reply.blocks:
        walk(block)
    return "\n".join(found)


@pytest.mark.parametrize(
    ("second", "why"),
    [
        (FileRef("id-a.pdf", "a.pdf", PDF, 2048, sniffed=PDF), "the same file id"),
        (ref("again.pdf", unique="u-a.pdf", sha256=""), "Telegram's file_unique_id"),
        (ref("copy of a.pdf", "a.pdf", unique="u-other"), "the same content"),
    ],
)
def test_a_file_sent_twice_is_recognised_and_not_added(second, why):
    desk = Desk()
    desk.send(ref("a.pdf"))
    revision = desk.draft.revision
    result = desk.runner.handle(desk.draft, Event(EventKind.FILE, file=second), CTX)
    assert not result.saved, why
    shown = blocks(result.replies[-1])
    assert ("Already received: {name} is in the list.", {"name": "a.pdf"}) in shown, why
    assert desk.names() == ["a.pdf"] and desk.draft.revision == revision


@pytest.mark.parametrize(
    ("file", "refusal"),
    [
        (ref("notes.png", sniffed=""), "{name} is not a PDF, JPEG or PNG file."),
        (ref("lost.pdf", sniffed=None), "Sorry, I couldn't read {name}."),
        (ref("huge.pdf", size=21 * 1024 * 1024), "{name} is larger than {limit_mb} MB."),
        (ref("song.mp3", sniffed="audio/mpeg"), "{name} is not a PDF, JPEG or PNG file."),
    ],
)
def test_a_file_whose_content_is_not_accepted_is_refused_and_nothing_changes(file, refusal):
    desk = Desk()
    desk.send(ref("a.pdf"))
    before = desk.draft.to_json()
    screen = desk.send(file)
    assert refusal in msgids(screen)
    assert desk.draft.to_json() == before and desk.names() == ["a.pdf"]


@pytest.mark.parametrize("sniffed", [PDF, JPEG, PNG])
def test_every_accepted_type_goes_by_its_content_not_its_claim(sniffed):
    desk = Desk()
    desk.send(FileRef("id-1", "scan.bin", "application/octet-stream", 10, sniffed=sniffed))
    assert desk.draft.scratch["papers"][0]["mime"] == sniffed
