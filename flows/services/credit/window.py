"""When a record can be repaired and when its publicity ends, as the founder is shown it, with
the rule that decided each; the day the office named; the cure for the abnormal operations
list and the day it would lead to the serious list.

Dates follow the README's confidence rule: a day computed from a rule is named only when the
rule is quotable (grade A or B, checked by a person); otherwise the screen names the rule and
its law and sends the founder to the office for the date, and the day decides nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flows.engine.outcome import Block
from flows.engine.spec import Answers, Context, Option
from flows.engine.text import N_, Text
from flows.policy.credit import RepairWindow, escalation_date, listing_window, penalty_window
from flows.policy.schema import quotable
from flows.services.credit.answers import GO, TOLD, day, is_listing, published_penalty
from flows.services.credit.screens import CONTINUE, checked_note, cite_law, receiving, shown_date


def window(answers: Answers, ctx: Context) -> RepairWindow | None:
    """When a repair can be requested and publicity ends, once the record's answers are in."""
    if published_penalty(answers) and {"decided_on", "sector", "grade"} <= answers.keys():
        decided = day(answers, "decided_on")
        assert decided is not None
        return penalty_window(
            ctx.policy,
            decided_on=decided,
            procedure="ordinary",
            sector=str(answers["sector"]),
            grade=str(answers["grade"]),
        )
    if is_listing(answers) and (listed := day(answers, "listed_on")) is not None:
        return listing_window(ctx.policy, str(answers["record_type"]), listed)
    return None


def waits_until(answers: Answers, ctx: Context) -> dt.date | None:
    """The day a repair can first be requested, when the bot may name it and it is ahead."""
    found = window(answers, ctx)
    if found is None or not found.quotable or found.ends_first() or found.earliest is None:
        return None
    return found.earliest if found.earliest > ctx.today else None


def window_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    """Which rule decides, the dates where the bot may name them, and what follows."""
    found = window(answers, ctx)
    if found is None:
        return []
    rule = found.earliest_rule or found.rule
    decides = Text(
        N_("Which rule decides: {title} ({law})."), {"title": rule.title, "law": cite_law(rule)}
    )
    office = receiving(answers, ctx)
    if not found.quotable:
        return [
            decides,
            Text(
                N_(
                    "The periods I hold for it are not yet checked against their source, so I "
                    "won't give you a date: {office} can tell you from when a repair can be "
                    "requested. You can prepare the application now."
                ),
                {"office": office},
            ),
        ]
    if found.earliest is None:  # no rule the bot holds names a period for this record
        return [
            Text(
                N_(
                    "When a repair can be requested depends on how the record was graded or "
                    "on the office's own rules ({law}): {office} will tell you. You can "
                    "prepare the application now."
                ),
                {"law": cite_law(rule), "office": office},
            ),
        ]
    blocks: list[Block] = [decides]
    if found.ends_first() and found.ends is not None:
        blocks.append(
            Text(
                N_(
                    "Its publicity ends by itself on {ends}, before a repair could be requested: "
                    "there is nothing to apply for."
                ),
                {"ends": shown_date(found.ends)},
            )
        )
        return [*blocks, checked_note(rule)]
    blocks.append(
        Text(N_("A repair can be requested from {date}."), {"date": shown_date(found.earliest)})
    )
    ends_rule = found.ends_rule
    if found.ends is not None and ends_rule is not None and ends_rule != rule:
        blocks.append(  # another rule decides it: named too
            Text(
                N_("Publicity ends by itself on {ends} ({title}, {law})."),
                {
                    "ends": shown_date(found.ends),
                    "title": ends_rule.title,
                    "law": cite_law(ends_rule),
                },
            )
        )
    elif found.ends is not None:
        blocks.append(
            Text(N_("Publicity ends by itself on {ends}."), {"ends": shown_date(found.ends)})
        )
    blocks.append(checked_note(rule))
    if found.earliest > ctx.today:
        blocks.append(
            Text(
                N_(
                    "That day has not come yet. Your answers are kept, and I can remind you on "
                    "that day."
                )
            )
        )
    return blocks


def window_choices(answers: Answers, ctx: Context) -> tuple[Option, ...]:
    """▶️ Continue, unless the day is ahead or publicity ends first (then none); where the bot
    cannot name the day, also the day the office named, to be reminded on it."""
    found = window(answers, ctx)
    if found is not None and found.quotable and found.ends_first():
        return ()
    if waits_until(answers, ctx) is not None:
        return ()
    if found is not None and (not found.quotable or found.earliest is None):
        return (CONTINUE, TOLD)
    return (CONTINUE,)


def told_day(answers: Answers, ctx: Context) -> dt.date | None:
    """The day the office named, when the founder chose to give it and it is ahead."""
    told = day(answers, "told_on") if answers.get("window") == TOLD.value else None
    return told if told is not None and told > ctx.today else None


def told_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    told = day(answers, "told_on")
    if told is None:
        return []
    if told <= ctx.today:
        return [Text(N_("That day, {date}, has come: you can go on."), {"date": shown_date(told)})]
    return [
        Text(
            N_(
                "You can request the repair from {date}, as the office told you. Your answers "
                "are kept, and I can remind you on that day."
            ),
            {"date": shown_date(told)},
        )
    ]


def told_choices(answers: Answers, ctx: Context) -> tuple[Option, ...]:
    return () if told_day(answers, ctx) is not None else (CONTINUE,)


def cure_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    """The cure for the reason chosen, and when the list would lead to the serious one."""
    try:
        reason = ctx.policy.abnormal_reason(str(answers.get("abnormal_reason")))
    except KeyError:
        return []
    listed = day(answers, "listed_on")
    blocks: list[Block] = [Text(N_("What to do: {cure}"), {"cure": reason.cure})]
    if listed is None:
        return blocks
    moves_on, rule = escalation_date(ctx.policy, listed)
    if quotable(rule):
        blocks.append(
            Text(
                N_(
                    "⚠️ If you are still on the list on {date}, you will be moved to the list of "
                    "seriously illegal and dishonest entities ({law})."
                ),
                {"date": shown_date(moves_on), "law": cite_law(rule)},
            )
        )
        blocks.append(checked_note(rule))
    else:
        blocks.append(
            Text(
                N_(
                    "⚠️ Staying on the list too long leads to the list of seriously illegal and "
                    "dishonest entities ({law}); the office can tell you when that would be."
                ),
                {"law": cite_law(rule)},
            )
        )
    return blocks


CURED = (Option(GO, N_("✅ I have done this"), ("done", "did it", "已完成", "完成了", "办好了")),)
