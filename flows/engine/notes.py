"""A notes question (`Kind.NOTES`): free text sent over several messages, kept in order until
the founder taps ✅ Done, then answered as one text.

The whole text has a limit (`limits["max_len"]`, default MAX_NOTES). A message that would pass
it is refused whole, saying how many characters are left: nothing is ever cut silently. Once
little room is left (`limits["warn_left"]`, default a tenth of the limit) each screen says how
much. An answered question shows its text as the start: a new message adds to it, 🗑 Start
over empties it, and the answer changes only on ✅ Done.
"""

from __future__ import annotations

from flows.engine.draft import Draft
from flows.engine.errors import ValidationFailed
from flows.engine.normalize import normalize
from flows.engine.outcome import Block
from flows.engine.spec import Field
from flows.engine.text import N_, Text, clip
from flows.engine.validators import MSG_TEXT_UNREADABLE

MAX_NOTES = 3000
TAIL = 200  # characters of the text so far repeated on the screen (its end)
JOIN = "\n"


def received(draft: Draft, field: Field) -> list[str]:
    """The messages kept so far: collected ones, else the answer's text (a copy)."""
    if field.name in draft.scratch:
        return list(draft.scratch[field.name])
    answer = draft.answers.get(field.name)
    return [str(answer)] if answer else []


def text(parts: list[str]) -> str:
    """The messages as one text."""
    return JOIN.join(parts)


def limit(field: Field) -> int:
    """The most characters the whole text may have."""
    return int(field.limits.get("max_len", MAX_NOTES))


def _warn_left(field: Field) -> int:
    return int(field.limits.get("warn_left", limit(field) // 10))


def left(field: Field, parts: list[str]) -> int:
    """Characters still free."""
    return max(0, limit(field) - len(text(parts)))


def add(draft: Draft, field: Field, typed: str) -> Text:
    """Keep one more message (refused whole when it would pass the limit); the notice to show."""
    value = normalize(typed)
    if not any(char.isalnum() for char in value):
        raise ValidationFailed(str(field.limits.get("unreadable", MSG_TEXT_UNREADABLE)))
    parts = received(draft, field)
    total = len(text([*parts, value]))
    if total > limit(field):
        raise ValidationFailed(
            N_(
                "That message would make the text {total} characters long; at most {max_len} "
                "fit. Nothing of it was added. Please send a shorter message (at most {left} "
                "characters), or tap ✅ Done."
            ),
            total=total,
            max_len=limit(field),
            left=max(0, left(field, parts) - (len(JOIN) if parts else 0)),
        )
    draft.scratch[field.name] = [*parts, value]
    draft.revision += 1
    return Text(
        N_("Added ({length} characters so far). Send more, or tap ✅ Done."),
        {"length": total},
    )


def start_over(draft: Draft, field: Field) -> Text:
    """Empty the text (the answer, if any, stays until ✅ Done)."""
    draft.scratch[field.name] = []
    draft.revision += 1
    return Text(N_("Emptied. Type the text again, then tap ✅ Done."))


def done(draft: Draft, field: Field) -> str | None:
    """The whole text as the answer, or None when nothing was sent (refused unless optional)."""
    parts = received(draft, field)
    if not parts and not field.optional:
        raise ValidationFailed(N_("Please type at least one message, then tap ✅ Done."))
    return text(parts) if parts else None


def listing(draft: Draft, field: Field) -> list[Block]:
    """What the screen says of the text so far: its length, its end, and the room left when
    little is."""
    parts = received(draft, field)
    if not parts:
        return []
    whole = text(parts)
    blocks: list[Block] = [
        Text(
            N_("So far {messages} message(s), {length} of at most {max_len} characters, ending:"),
            {"messages": len(parts), "length": len(whole), "max_len": limit(field)},
        ),
        Text.raw("…" + whole[-TAIL:] if len(whole) > TAIL else clip(whole, TAIL)),
    ]
    room = left(field, parts)
    if room <= _warn_left(field):
        blocks.append(
            Text(
                N_("⚠️ Only {left} characters left: a longer message will not be added."),
                {"left": room},
            )
        )
    return blocks
