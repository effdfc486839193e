"""A file question's list: the files received so far, adding one (its type read from its
content, a second copy recognised), removing one, and how the list reads on a screen."""

from __future__ import annotations

import hashlib
from math import ceil
from typing import Any

from flows.engine.draft import Draft
from flows.engine.errors import ValidationFailed
from flows.engine.events import FileRef
from flows.engine.machine import FlowMachine
from flows.engine.outcome import Block
from flows.engine.spec import Field
from flows.engine.text import N_, Text

DEFAULT_FILE_TYPES = ("application/pdf", "image/jpeg", "image/png")
DEFAULT_FILE_BYTES = 20 * 1024 * 1024
SHOWN = 8  # files listed on one screen, the latest; the earlier ones are counted
NAME_CHARS = 40
KEY_CHARS = 10
DIGEST_CHARS = 16  # of the content's SHA-256, kept to recognise it: 64 bits, in a small draft
Record = dict[str, Any]


def received(draft: Draft, field: Field) -> list[Record]:
    """The files received for this question so far (a copy: change it through `add`/`remove`)."""
    return list(draft.scratch.get(field.name, draft.answers.get(field.name) or []))


def key(record: Record) -> str:
    """A short name of a received file for its Remove button (callback data is 64 bytes)."""
    digest = record.get("digest") or hashlib.sha256(str(record.get("file_id")).encode()).hexdigest()
    return str(digest)[:KEY_CHARS]


def short_name(name: str) -> str:
    """A file name on one line and at most NAME_CHARS long, its end (the extension) kept."""
    flat = " ".join(str(name).split()) or "?"
    if len(flat) <= NAME_CHARS:
        return flat
    return flat[: NAME_CHARS - 13] + "…" + flat[-12:]


def size_text(size: int) -> Text:
    """A file's size in KB below one MB, else in MB with one decimal."""
    if size < 1024 * 1024:
        return Text(N_("{size} KB"), {"size": ceil(size / 1024)})
    return Text(N_("{size} MB"), {"size": f"{size / (1024 * 1024):.1f}"})


def check(field: Field, file: FileRef) -> None:
    """Refuse a file too large, unread, or whose content is not of an accepted type."""
    types = tuple(field.limits.get("types", DEFAULT_FILE_TYPES))
    limit = int(field.limits.get("max_bytes", DEFAULT_FILE_BYTES))
    name = short_name(file.name)
    if file.size > limit:
        raise ValidationFailed(
            N_("{name} is larger than {limit_mb} MB. Please send a smaller file."),
            name=name,
            limit_mb=limit // (1024 * 1024),
        )
    if file.sniffed is None:
        raise ValidationFailed(
            N_("Sorry, I couldn't read {name}. Please send it again."), name=name
        )
    if file.sniffed not in types:
        raise ValidationFailed(
            N_("{name} is not a PDF, JPEG or PNG file. Please send one of those."), name=name
        )


def _same(record: Record, file: FileRef) -> bool:
    return (
        record.get("file_id") == file.file_id
        or (bool(file.unique) and record.get("unique") == file.unique)
        or (bool(file.sha256) and record.get("digest") == file.sha256[:DIGEST_CHARS])
    )


def _store(machine: FlowMachine, draft: Draft, field: Field, files: list[Record]) -> None:
    """Keep the list in the answer once the question is answered, so the summary's count is
    right at once (also while editing from it); until then collect it for Done. Removing the
    last file of an answered question un-answers it: it has to be answered again."""
    if files and field.name in draft.answers:
        machine.set_answer(draft, field.name, files)
        return
    draft.answers.pop(field.name, None)
    draft.scratch[field.name] = files
    draft.revision += 1


def add(machine: FlowMachine, draft: Draft, field: Field, file: FileRef) -> tuple[Text, bool]:
    """Add a file to the question's list: the notice to show, and whether the draft changed
    (not for a file already in the list: that one was checked when it came first)."""
    files = received(draft, field)
    twin = next((f for f in files if _same(f, file)), None)
    if twin is not None:
        name = short_name(str(twin.get("name")))
        return Text(N_("Already received: {name} is in the list."), {"name": name}), False
    check(field, file)
    most = field.limits.get("max_files")
    if most is not None and len(files) >= int(most):
        raise ValidationFailed(
            N_("At most {most} file(s) can go here. Remove one with 🗑 to send another."),
            most=int(most),
        )
    files.append(
        {
            "file_id": file.file_id,
            "name": file.name,
            "mime": file.sniffed or file.mime,
            "size": file.size,
            "unique": file.unique,
            "digest": file.sha256[:DIGEST_CHARS],
        }
    )
    _store(machine, draft, field, files)
    return Text(
        N_("Received {name}. Send more, or tap Done."), {"name": short_name(file.name)}
    ), True


def remove(machine: FlowMachine, draft: Draft, field: Field, file_key: str) -> Text:
    """Remove the file whose key is `file_key`; the notice to show (a stale key is refused)."""
    files = received(draft, field)
    gone = next((f for f in files if key(f) == file_key), None)
    if gone is None:
        raise ValidationFailed(N_("That file is no longer in the list."))
    files.remove(gone)
    _store(machine, draft, field, files)
    return Text(
        N_("Removed {name}. Send another file to replace it, or tap Done."),
        {"name": short_name(str(gone.get("name")))},
    )


def shown(files: list[Record]) -> list[tuple[int, Record]]:
    """The files a screen lists, numbered from 1 in the order received: the latest SHOWN."""
    start = max(0, len(files) - SHOWN)
    return [(number, f) for number, f in enumerate(files, 1) if number > start]


def listing(files: list[Record]) -> list[Block]:
    """The received files as lines: number, name and size; beyond SHOWN, the earliest are
    summed up in one line above the rest."""
    if not files:
        return []
    blocks: list[Block] = [Text(N_("Files received ({count}):"), {"count": len(files)})]
    if len(files) > SHOWN:
        blocks.append(
            Text(N_("• 1–{last}: earlier files, not shown"), {"last": len(files) - SHOWN})
        )
    for number, f in shown(files):
        name, size = short_name(str(f.get("name"))), size_text(int(f.get("size") or 0))
        line = {"number": number, "name": name, "size": size}
        blocks.append(Text(N_("• {number}. {name} · {size}"), line))
    return blocks
