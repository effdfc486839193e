"""What credit repair shows beside its questions about the record: the buttons from the
policy data, what the chosen kind of record is, whether a penalty is published at all, the
warning on an unusual decision number, the grades explained; and how rules are cited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flows.engine.outcome import Block
from flows.engine.spec import Answers, Context, Option
from flows.engine.text import N_, Text
from flows.policy.citing import office_label
from flows.policy.credit import RepairWindow, penalty_window
from flows.policy.credit_data import CreditRule
from flows.policy.schema import quotable
from flows.services.credit.answers import GO, SHOWN, unpublished_procedure
from flows.services.credit.decision import decision_number

CONTINUE = Option(GO, N_("▶️ Continue"), ("continue", "go on", "next", "ok", "继续", "下一步"))


RECORD_WORDS: dict[str, tuple[str, ...]] = {
    "penalty": ("处罚", "行政处罚", "罚款", "penalty", "fine"),
    "abnormal_list": ("经营异常", "异常名录", "异常", "abnormal"),
    "serious_list": ("严重违法", "严重失信", "黑名单", "serious"),
    "other": ("其他", "失信", "other"),
}


def record_choices(answers: Answers, ctx: Context) -> tuple[Option, ...]:
    """A button per kind of record in the policy data, in file order."""
    return tuple(
        Option(r.id, r.title, RECORD_WORDS.get(r.id, ())) for r in ctx.policy.credit_records
    )


def authority_choices(answers: Answers, ctx: Context) -> tuple[Option, ...]:
    """The common issuing authorities of the policy data (any other is typed)."""
    return tuple(Option(a.id, a.name, tuple(a.words)) for a in ctx.policy.credit_authorities)


def grade_choices(answers: Answers, ctx: Context) -> tuple[Option, ...]:
    grades = tuple(
        Option(g.id, g.title, (g.title.zh, g.title.en)) for g in ctx.policy.credit_grades
    )
    return (*grades, Option("unknown", N_("Not sure"), ("不确定", "不知道", "not sure", "unknown")))


def reason_choices(answers: Answers, ctx: Context) -> tuple[Option, ...]:
    return tuple(Option(r.id, r.title) for r in ctx.policy.abnormal_reasons)


def record_intro(answers: Answers, ctx: Context) -> Sequence[Block]:
    """What the chosen kind of record is, and where its repair goes."""
    try:
        record = ctx.policy.credit_record(str(answers.get("record_type")))
    except KeyError:
        return []
    return [record.explain]


def receiving(answers: Answers, ctx: Context) -> Block:
    """The office the application goes to, as the founder is shown it."""
    record = ctx.policy.credit_record(str(answers["record_type"]))
    return office_label(ctx.policy, record.office, str(answers.get("district", "")))


def cite_law(rule: CreditRule) -> Text:
    law, numbers = rule.law, rule.articles
    if not numbers:
        return Text("{law}", {"law": law})
    cited = tuple(Text.raw(str(n)) for n in numbers)
    return Text(N_("{law}, Art. {numbers}"), {"law": law, "numbers": cited})


def checked_note(rule: CreditRule) -> Text:
    return Text(
        N_("(Source: {source}, checked {date}.)"),
        {"source": Text.raw(rule.source), "date": Text.raw(str(rule.verified_on))},
    )


def shown_date(value: dt.date) -> Text:
    return Text.raw(value.isoformat())


def unpublished(answers: Answers, ctx: Context) -> RepairWindow | None:
    """The rule for a penalty of the simplified procedure or a warning only (else None)."""
    if not unpublished_procedure(answers):
        return None
    return penalty_window(
        ctx.policy,
        decided_on=ctx.today,
        procedure=str(answers["procedure"]),
        sector="other",
        grade="unknown",
    )


def not_published_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    found = unpublished(answers, ctx)
    if found is None:
        return []
    rule = found.rule
    blocks: list[Block] = [
        Text(
            N_(
                "A penalty decided under the simplified procedure, or a warning only, is not "
                "published ({law}): there is nothing to repair."
            ),
            {"law": cite_law(rule)},
        )
    ]
    if quotable(rule):
        blocks.append(checked_note(rule))
    else:
        link = ctx.policy.link("credit_china")
        blocks.append(
            Text(
                N_(
                    "This rule is not yet checked against its source. If you do find the penalty "
                    "on {site} ({address}), tap “It is published” to go on."
                ),
                {"site": link.title, "address": Text.raw(link.url.removeprefix("https://"))},
            )
        )
    return blocks


def not_published_choices(answers: Answers, ctx: Context) -> tuple[Option, ...]:
    """None where the rule is checked (nothing to repair: the founder stops here)."""
    found = unpublished(answers, ctx)
    if found is None or quotable(found.rule):
        return ()
    return (Option(SHOWN, N_("It is published"), ("published", "公示了", "有公示", "能查到")),)


def number_warning(answers: Answers, ctx: Context) -> list[Text]:
    """The decision number was kept as typed: it does not have the usual form."""
    typed = answers.get("decision_no")
    if not isinstance(typed, str) or decision_number(typed).standard:
        return []
    return [
        Text(
            N_(
                "⚠️ I kept the number as you typed it, but it does not look like the usual form "
                "(e.g. 沪市监罚〔2025〕123号). Please check it against the decision; ⬅️ Back "
                "changes it."
            )
        )
    ]


def grades_intro(answers: Answers, ctx: Context) -> list[Text]:
    """One line per grade: how a founder can tell."""
    return [
        Text(N_("• {title}: {explain}"), {"title": g.title, "explain": g.explain})
        for g in ctx.policy.credit_grades
    ]
