"""A file question's files: those received so far, and adding one (its type read from its
content, a second copy recognised)."""

from __future__ import annotations

from typing import Any

from flows.engine.draft import Draft
from flows.engine.errors import ValidationFailed
from flows.engine.events import FileRef
from flows.engine.spec import Field
from flows.engine.text import N_, Text

DEFAULT_FILE_TYPES = ("application/pdf", "image/jpeg", "image/png")
DEFAULT_FILE_BYTES = 20 * 1024 * 1024
NAME_CHARS = 40
DIGEST_CHARS = 16  # of the content's SHA-256, kept to recognise it: 64 bits, in a small draft
Record = dict[str, Any]


def received(draft: Draft, field: Field) -> list[Record]:
    """The files received for this question so far (a copy: change it through `add`)."""
    return list(draft.scratch.get(field.name, draft.answers.get(field.name) or []))


def short_name(name: str) -> str:
    """A file name on one line and at most NAME_CHARS long, its end (the extension) kept."""
    flat = " ".join(str(name).split()) or "?"
    if len(flat) <= NAME_CHARS:
        return flat
    return flat[: NAME_CHARS - 13] + "…" + flat[-12:]


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


def add(draft: Draft, field: Field, file: FileRef) -> tuple[Text, bool]:
    """Add a file to the question's list: the notice to show, and whether the draft changed
    (not for a file already in the list: that one was checked when it came first)."""
    files = received(draft, field)
    twin = next((f for f in files if _same(f, file)), None)
    if twin is not None:
        name = short_name(str(twin.get("name")))
        return Text(N_("Already received: {name} is in the list."), {"name": name}), False
    check(field, file)
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
    draft.scratch[field.name] = files
    draft.revision += 1
    return Text(
        N_("Received {name}. Send more, or tap Done."), {"name": short_name(file.name)}
    ), True
