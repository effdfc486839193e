"""What credit repair shows beside its questions: the kinds of record, whether a penalty is
published at all, when a repair can be requested and publicity ends (and which rule says
so), the cure for the abnormal operations list, and the commitment letter.

Dates follow the README's confidence rule: a day computed from a rule is named only when the
rule is quotable (grade A or B, checked by a person); otherwise the screen names the rule and
its law and sends the founder to the office for the date, and the day decides nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flows.engine.outcome import Block
from flows.engine.spec import Answers, Context, Option
from flows.engine.text import N_, Localized, Text
from flows.policy.citing import office_label
from flows.policy.credit import RepairWindow, escalation_date, listing_window, penalty_window
from flows.policy.credit_data import CreditRule, fill
from flows.policy.schema import quotable

GO = "go"
SHOWN = "shown"  # "it is published anyway" where the not-published rule is only transcribed
CONTINUE = Option(GO, N_("▶️ Continue"), ("continue", "go on", "next", "ok", "继续", "下一步"))
RECORD_WORDS: dict[str, tuple[str, ...]] = {
    "penalty": ("处罚", "行政处罚", "罚款", "penalty", "fine"),
    "abnormal_list": ("经营异常", "异常名录", "异常", "abnormal"),
    "serious_list": ("严重违法", "严重失信", "黑名单", "serious"),
    "other": ("其他", "失信", "other"),
}


def day(answers: Answers, name: str) -> dt.date | None:
    value = answers.get(name)
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def is_penalty(answers: Answers) -> bool:
    return answers.get("record_type") == "penalty"


def unpublished_procedure(answers: Answers) -> bool:
    """A penalty decided under the simplified procedure, or a warning only."""
    return is_penalty(answers) and answers.get("procedure") in ("simplified", "warning")


def published_penalty(answers: Answers) -> bool:
    """A penalty that is published: the ordinary procedure, or shown on Credit China anyway."""
    if not is_penalty(answers) or "procedure" not in answers:
        return False
    return answers.get("procedure") == "ordinary" or answers.get("not_published") == SHOWN


def is_listing(answers: Answers) -> bool:
    """A record dated by the day it was made: the two lists and other information."""
    return answers.get("record_type") in ("abnormal_list", "serious_list", "other")


def is_abnormal(answers: Answers) -> bool:
    return answers.get("record_type") == "abnormal_list"


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


# -- when --------------------------------------------------------------------------------------


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


def waits_until(answers: Answers, ctx: Context) -> dt.date | None:
    """The day a repair can first be requested, when the bot may name it and it is ahead."""
    found = window(answers, ctx)
    if found is None or not found.quotable or found.ends_first() or found.earliest is None:
        return None
    return found.earliest if found.earliest > ctx.today else None


def _law(rule: CreditRule) -> Text:
    law, numbers = rule.law, rule.articles
    if not numbers:
        return Text("{law}", {"law": law})
    cited = tuple(Text.raw(str(n)) for n in numbers)
    return Text(N_("{law}, Art. {numbers}"), {"law": law, "numbers": cited})


def _checked(rule: CreditRule) -> Text:
    return Text(
        N_("(Source: {source}, checked {date}.)"),
        {"source": Text.raw(rule.source), "date": Text.raw(str(rule.verified_on))},
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
            {"law": _law(rule)},
        )
    ]
    if quotable(rule):
        blocks.append(_checked(rule))
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


def _date(value: dt.date) -> Text:
    return Text.raw(value.isoformat())


def window_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    """Which rule decides, the dates where the bot may name them, and what follows."""
    found = window(answers, ctx)
    if found is None:
        return []
    rule = found.earliest_rule or found.rule
    decides = Text(
        N_("Which rule decides: {title} ({law})."), {"title": rule.title, "law": _law(rule)}
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
                {"law": _law(rule), "office": office},
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
                {"ends": _date(found.ends)},
            )
        )
        return [*blocks, _checked(rule)]
    blocks.append(
        Text(N_("A repair can be requested from {date}."), {"date": _date(found.earliest)})
    )
    ends_rule = found.ends_rule
    if found.ends is not None and ends_rule is not None and ends_rule != rule:
        blocks.append(  # another rule decides it: named too
            Text(
                N_("Publicity ends by itself on {ends} ({title}, {law})."),
                {"ends": _date(found.ends), "title": ends_rule.title, "law": _law(ends_rule)},
            )
        )
    elif found.ends is not None:
        blocks.append(Text(N_("Publicity ends by itself on {ends}."), {"ends": _date(found.ends)}))
    blocks.append(_checked(rule))
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


TOLD = Option(
    "told", N_("📅 The office told me the date"), ("i know the date", "date", "知道日期", "日期")
)


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
        return [Text(N_("That day, {date}, has come: you can go on."), {"date": _date(told)})]
    return [
        Text(
            N_(
                "You can request the repair from {date}, as the office told you. Your answers "
                "are kept, and I can remind you on that day."
            ),
            {"date": _date(told)},
        )
    ]


def told_choices(answers: Answers, ctx: Context) -> tuple[Option, ...]:
    return () if told_day(answers, ctx) is not None else (CONTINUE,)


# -- the abnormal operations list --------------------------------------------------------------


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
                {"date": _date(moves_on), "law": _law(rule)},
            )
        )
        blocks.append(_checked(rule))
    else:
        blocks.append(
            Text(
                N_(
                    "⚠️ Staying on the list too long leads to the list of seriously illegal and "
                    "dishonest entities ({law}); the office can tell you when that would be."
                ),
                {"law": _law(rule)},
            )
        )
    return blocks


CURED = (Option(GO, N_("✅ I have done this"), ("done", "did it", "已完成", "完成了", "办好了")),)


# -- the commitment letter ---------------------------------------------------------------------


def record_phrase(answers: Answers, ctx: Context) -> Localized:
    """The record as the letter names it, in both languages."""
    record = ctx.policy.credit_record(str(answers["record_type"]))
    common = {
        "date": str(answers.get("decided_on") or answers.get("listed_on") or ""),
        "number": str(answers.get("decision_no") or ""),
        "note": str(answers.get("record_note") or ""),
    }
    zh, en = dict(common, authority="", reason=""), dict(common, authority="", reason="")
    authority = answers.get("authority")
    if isinstance(authority, str):
        try:
            name = ctx.policy.credit_authority(authority).name
            zh["authority"], en["authority"] = name.zh, name.en
        except KeyError:  # typed by the founder
            zh["authority"] = en["authority"] = authority
    if isinstance(answers.get("abnormal_reason"), str):
        try:
            title = ctx.policy.abnormal_reason(str(answers["abnormal_reason"])).title
            zh["reason"], en["reason"] = title.zh, title.en
        except KeyError:
            pass
    return Localized(fill(record.phrase.zh, zh), fill(record.phrase.en, en))


def letter_text(answers: Answers, ctx: Context) -> Localized:
    """The commitment letter's text, filled, in both languages (the Chinese one is filed)."""
    letter = ctx.policy.commitment("credit_repair")
    record = record_phrase(answers, ctx)
    values = {
        "company": str(answers.get("company_name", "")),
        "credit_code": str(answers.get("credit_code", "")),
    }
    return Localized(
        letter.filled("zh_CN", record=record.zh, **values),
        letter.filled("en", record=record.en, **values),
    )


def letter_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    """The letter as it will be filed, in the founder's language."""
    if not {"company_name", "credit_code", "record_type"} <= answers.keys():
        return []
    heading = Text(
        N_(
            "📝 Your credit commitment letter (信用承诺书). The office gets it in Chinese, as a "
            "PDF, with the time you confirm:"
        )
    )
    return [heading, letter_text(answers, ctx)]


COMMIT = (
    Option(
        "confirmed",
        N_("✍️ I make this commitment"),
        ("i commit", "commit", "confirm", "我承诺", "承诺", "确认"),
    ),
)
