"""A finished flow's result on a phone: its messages, or for a long result a short summary with a
button per section, each section shown a page at a time so that no message runs long.

Pages are cut by their length in the founder's language (the context's speller says how a
block reads). A section's button carries the flow, the section and the page
(`a:v::<section>.<page>:<flow>`); the result is computed again from the finished draft, so a
button keeps working after a restart (a page gone, after a change of language, shows the
overview).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from flows.engine.labels import MENU_WORDS
from flows.engine.outcome import Action, Block, Button, Op, Reply, rows
from flows.engine.runner import FlowRunner
from flows.engine.spec import Completion, Context, Section, Speller
from flows.engine.text import N_, Text
from flows.shell.subscription import subscribe_button

Runners = Mapping[str, FlowRunner]
Measure = Callable[[Block], int]
PAGE_CHARACTERS = 1000  # of items on one page, in the founder's language: room for the rest


def result(
    completion: Completion,
    runners: Runners,
    flow: str,
    ctx: Context,
    at: str = "",
    *,
    subscribed: bool = True,
) -> list[Reply]:
    """The result as first shown (`at` empty), or the page `at` ('<section>.<page>') of one of
    its sections; a page that is not there shows the summary. A result that offers the
    announcements subscription offers it to a founder not `subscribed`."""
    measure = _measure(ctx.spell, ctx.locale)
    where = _place(at, completion.sections, measure)
    if where is not None:
        return [_page(completion, runners, flow, measure, *where)]
    blocks = list(completion.blocks)
    closing = _closing(completion, runners)
    if completion.subscribe and not subscribed:
        closing.insert(-1, (subscribe_button(),))
    buttons = [*_section_rows(completion, flow), *closing]
    return [Reply(tuple(b)) for b in blocks[:-1]] + [Reply(tuple(blocks[-1]), tuple(buttons))]


def pages(
    items: Sequence[Block], measure: Measure, limit: int = PAGE_CHARACTERS
) -> list[list[Block]]:
    """Items in pages of at most `limit` characters as `measure` counts them (an item longer
    than that gets a page of its own)."""
    found: list[list[Block]] = [[]]
    used = 0
    for item in items:
        size = measure(item) + 1
        if found[-1] and used + size > limit:
            found.append([])
            used = 0
        found[-1].append(item)
        used += size
    return found


def _measure(spell: Speller, locale: str) -> Measure:
    """How many characters a block takes in `locale` (in its longest language if unknown)."""

    def measure(block: Block) -> int:
        spelled = spell(block)
        return len(spelled.get(locale) or max(spelled.values(), key=len))

    return measure


def _place(at: str, sections: Sequence[Section], measure: Measure) -> tuple[int, int, int] | None:
    """(section, page, pages) named by `at`, if the result has it."""
    section, _, page = at.partition(".")
    if not (section.isdigit() and page.isdigit()) or int(section) >= len(sections):
        return None
    count = len(pages(sections[int(section)].items, measure))
    return (int(section), int(page), count) if int(page) < count else None


def _page(
    completion: Completion,
    runners: Runners,
    flow: str,
    measure: Measure,
    index: int,
    page: int,
    count: int,
) -> Reply:
    section = completion.sections[index]
    blocks: list[Block] = [section.heading, *pages(section.items, measure)[page]]
    turns: list[Button] = []
    if count > 1:
        blocks.append(Text(N_("Page {n} of {total}"), {"n": page + 1, "total": count}))
        if page > 0:
            turns.append(_open(Text(N_("◀️ Previous")), flow, index, page - 1))
        if page + 1 < count:
            turns.append(_open(Text(N_("Next ▶️")), flow, index, page + 1))
    overview = Button(Text(N_("↩️ Overview")), Action(Op.VIEW, value=flow), ("overview", "总览"))
    buttons = [tuple(turns)] if turns else []
    buttons += [*_section_rows(completion, flow, skip=index), (overview,)]
    return Reply(tuple(blocks), tuple(buttons + _closing(completion, runners)))


def _open(label: Block, flow: str, section: int, page: int = 0) -> Button:
    return Button(label, Action(Op.VIEW, step=f"{section}.{page}", value=flow))


def _section_rows(completion: Completion, flow: str, skip: int = -1) -> list[tuple[Button, ...]]:
    opens = [_open(s.button, flow, i) for i, s in enumerate(completion.sections) if i != skip]
    return rows(opens, 2)


def _closing(completion: Completion, runners: Runners) -> list[tuple[Button, ...]]:
    """What to do next: the flows the result offers, and the menu."""
    offers = [
        Button(
            Text(N_("➡️ {title}"), {"title": Text(runners[f].spec.title)}),
            Action(Op.OPEN, value=f),
            runners[f].spec.synonyms,
        )
        for f in completion.next_flows
        if f in runners
    ]
    return [*rows(offers, 1), (Button(Text(N_("🏠 Menu")), Action(Op.MENU), MENU_WORDS),)]
