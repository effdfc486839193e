"""A file question's list, pure: files added with name and size, a second copy recognised (by
the channel's id, its stable id or the content's digest), files removed, the count right at
once, also while editing from the summary; content that is not an accepted type refused."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from flows.engine import files
from flows.engine.draft import SUMMARY
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.outcome import Action, Op, Reply
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
    """Drives the runner on the toy flow, taps the buttons its screens show."""

    def __init__(self) -> None:
        self.runner = FlowRunner(SPEC)
        self.draft = self.runner.begin(0)
        self.screen: Reply | None = None

    def send(self, file: FileRef) -> Reply:
        result = self.runner.handle(self.draft, Event(EventKind.FILE, file=file), CTX)
        self.screen = result.replies[-1]
        return self.screen

    def tap(self, op: Op, value: str = "") -> Reply:
        actions = self.actions()
        found = [a for a in actions if a.op is op and (not value or a.value == value)]
        assert found, f"no {op} {value!r} on screen: {actions}"
        self.screen = self.runner.handle(self.draft, Event.of_action(found[0]), CTX).replies[-1]
        return self.screen

    def actions(self) -> list[Action]:
        assert self.screen is not None
        return [b.action for row in self.screen.buttons for b in row]

    def removes(self) -> list[str]:
        """The labels' numbers of the Remove buttons shown."""
        assert self.screen is not None
        return [
            str(b.label.params["number"])  # type: ignore[union-attr]
            for row in self.screen.buttons
            for b in row
            if b.action.op is Op.REMOVE
        ]

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


def test_a_file_is_listed_with_its_name_and_size_and_a_remove_button():
    desk = Desk()
    screen = desk.send(ref("licence.pdf", size=1_900_000))
    assert ("Received {name}. Send more, or tap Done.", {"name": "licence.pdf"}) in blocks(screen)
    assert ("Files received ({count}):", {"count": 1}) in blocks(screen)
    line = next(p for m, p in blocks(screen) if m == "• {number}. {name} · {size}")
    assert line["number"] == 1 and line["name"] == "licence.pdf"
    assert line["size"] == Text("{size} MB", {"size": "1.8"})
    assert desk.removes() == ["1"]
    assert (
        desk.draft.scratch["papers"][0]
        == {
            "file_id": "id-licence.pdf",
            "name": "licence.pdf",
            "mime": PDF,  # the type the content showed
            "size": 1_900_000,
            "unique": "u-licence.pdf",
            "digest": hashlib.sha256(b"licence.pdf").hexdigest()[:16],
        }
    )


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, Text("{size} KB", {"size": 0})),
        (1, Text("{size} KB", {"size": 1})),
        (1024, Text("{size} KB", {"size": 1})),
        (250_000, Text("{size} KB", {"size": 245})),
        (1024 * 1024, Text("{size} MB", {"size": "1.0"})),
        (20 * 1024 * 1024, Text("{size} MB", {"size": "20.0"})),
    ],
)
def test_sizes_read_in_kb_below_a_megabyte_else_in_mb(size, shown):
    assert files.size_text(size) == shown


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


def test_removing_a_file_updates_the_list_and_the_count_in_place():
    desk = Desk()
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        desk.send(ref(name))
    assert desk.removes() == ["1", "2", "3"]
    b_key = files.key(desk.draft.scratch["papers"][1])
    screen = desk.tap(Op.REMOVE, b_key)
    assert screen.replace  # the tapped message is edited
    assert ("Removed {name}. Send another file to replace it, or tap Done.", {"name": "b.pdf"}) in (
        blocks(screen)
    )
    assert ("Files received ({count}):", {"count": 2}) in blocks(screen)
    assert desk.names() == ["a.pdf", "c.pdf"] and desk.removes() == ["1", "2"]
    desk.send(ref("b2.pdf"))  # the replacement
    assert desk.names() == ["a.pdf", "c.pdf", "b2.pdf"]


def test_a_stale_remove_button_is_refused_and_nothing_changes():
    desk = Desk()
    desk.send(ref("a.pdf"))
    stale = desk.actions()
    desk.tap(Op.REMOVE)
    before = desk.draft.to_json()
    [remove] = [a for a in stale if a.op is Op.REMOVE]
    result = desk.runner.handle(desk.draft, Event.of_action(remove), CTX)
    assert "That file is no longer in the list." in msgids(result.replies[-1])
    assert not result.saved and desk.draft.to_json() == before


def test_done_needs_a_file_and_keeps_those_received():
    desk = Desk()
    desk.send(ref("a.pdf"))
    desk.tap(Op.REMOVE)
    desk.tap(Op.DONE)
    assert desk.draft.step == "papers"  # nothing left: refused
    desk.send(ref("b.pdf"))
    desk.tap(Op.DONE)
    assert desk.draft.step == "extra" and [f["name"] for f in desk.draft.answers["papers"]] == [
        "b.pdf"
    ]


def at_summary() -> Desk:
    desk = Desk()
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        desk.send(ref(name))
    desk.tap(Op.DONE)
    desk.tap(Op.SKIP)
    assert desk.draft.step == SUMMARY
    return desk


def summary_count(desk: Desk) -> object:
    desk.screen = desk.runner.screen(desk.draft, CTX)
    line = next(p for m, p in blocks(desk.screen) if m == "• {label}: {value}")
    return line["value"]


def test_editing_from_the_summary_updates_the_answer_and_its_count_at_once():
    desk = at_summary()
    assert summary_count(desk) == Text("{count} file(s)", {"count": 3})
    desk.tap(Op.EDIT, str(SPEC.index("papers")))
    shown = blocks(desk.screen)  # type: ignore[arg-type]
    assert ("Files received ({count}):", {"count": 3}) in shown
    assert not any(m == "Current answer: {value}" for m, _ in shown)  # the list says it
    desk.tap(Op.REMOVE, files.key(desk.draft.answers["papers"][0]))
    assert [f["name"] for f in desk.draft.answers["papers"]] == ["b.pdf", "c.pdf"]
    desk.send(ref("d.pdf"))
    assert [f["name"] for f in desk.draft.answers["papers"]] == ["b.pdf", "c.pdf", "d.pdf"]
    assert "papers" not in desk.draft.scratch
    desk.tap(Op.DONE)
    assert desk.draft.step == SUMMARY
    assert summary_count(desk) == Text("{count} file(s)", {"count": 3})
    desk.tap(Op.EDIT, str(SPEC.index("papers")))
    desk.tap(Op.REMOVE)  # the answer is the list: changed before Done, whatever comes next
    assert len(desk.draft.answers["papers"]) == 2
    desk.tap(Op.DONE)
    assert summary_count(desk) == Text("{count} file(s)", {"count": 2})


def test_removing_every_file_while_editing_asks_the_question_again():
    desk = at_summary()
    desk.tap(Op.EDIT, str(SPEC.index("papers")))
    for _ in range(3):
        desk.tap(Op.REMOVE)
    assert "papers" not in desk.draft.answers and desk.draft.scratch["papers"] == []
    desk.tap(Op.DONE)
    assert desk.draft.step == "papers"  # refused: a file is needed
    desk.send(ref("e.pdf"))
    desk.tap(Op.DONE)
    assert desk.draft.step == SUMMARY
    assert summary_count(desk) == Text("{count} file(s)", {"count": 1})


def test_a_long_list_shows_the_latest_files_and_counts_the_rest():
    desk = Desk()
    for n in range(1, 21):
        desk.send(ref(f"{'page' * 30}-{n:02d}.pdf"))
    shown = blocks(desk.screen)  # type: ignore[arg-type]
    lines = [p for m, p in shown if m == "• {number}. {name} · {size}"]
    assert [p["number"] for p in lines] == list(range(13, 21))
    assert all(len(str(p["name"])) <= files.NAME_CHARS for p in lines)
    assert str(lines[-1]["name"]).endswith("-20.pdf")
    header = shown.index(("Files received ({count}):", {"count": 20}))
    assert shown[header + 1] == ("• 1–{last}: earlier files, not shown", {"last": 12})
    assert desk.removes() == [str(n) for n in range(13, 21)]
    assert all(len(f"a:{a.op.value}:{a.flow}:{a.step}:{a.value}") <= 64 for a in desk.actions())


def test_files_kept_before_this_release_are_listed_and_removable():
    desk = Desk()
    desk.draft.scratch["papers"] = [{"file_id": "old-1", "name": "old.pdf"}]  # no size, no digest
    desk.screen = desk.runner.screen(desk.draft, CTX)
    assert desk.removes() == ["1"]
    desk.tap(Op.REMOVE, hashlib.sha256(b"old-1").hexdigest()[: files.KEY_CHARS])
    assert desk.names() == []
