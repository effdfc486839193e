"""What the complaint flow shows beside its questions: the categories, the screen explaining
the one chosen, what the payment rules say about an arrears claim, and real-name or anonymous.

Figures follow the README's confidence rule: a due date, days overdue, late interest or a
legal maximum is stated only when every rule it rests on is `quotable`; otherwise the screen
names the rule and its law and leaves the numbers to the office. The founder's own figures
(what is outstanding by their amounts) are theirs and always shown."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from flows.engine.outcome import Block
from flows.engine.spec import Answers, Context, Option
from flows.engine.text import N_, Text
from flows.policy.arrears import ArrearsAssessment, arrears_problems, assess_arrears
from flows.policy.citing import articles, office_label
from flows.policy.complaints import ComplaintCategory
from flows.services.complaint.calculator import REQUIRED, claim

# What founders type for a category besides its title, in either language.
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "arrears": ("拖欠", "欠款", "欠钱", "账款", "arrears", "unpaid", "payment"),
    "forced_charges": ("摊派", "赞助", "强制购买", "指定服务", "levy", "sponsorship"),
    "forced_activities": ("评比", "考核", "表彰", "培训", "rating", "training", "award"),
    "association_fees": ("协会", "商会", "入会", "会费", "association", "membership"),
    "inspections": ("检查", "抽查", "执法检查", "inspection", "inspections"),
    "market_access": ("准入", "附加条件", "招标", "market access", "tender"),
    "official_misconduct": ("滥用职权", "玩忽职守", "不作为", "abuse", "neglect"),
    "other": ("其他", "别的", "other", "something else"),
}
DECIDERS = {
    "contract": N_("the term your contract agrees"),
    "legal_default": N_("the legal term (your contract agrees none)"),
    "legal_maximum": N_("the legal maximum (your contract's term is longer)"),
}


def category(answers: Answers, ctx: Context) -> ComplaintCategory | None:
    """The category chosen, if it is one the data knows."""
    try:
        return ctx.policy.complaint_category(str(answers.get("category", "")))  # type: ignore[no-any-return]
    except KeyError:
        return None


def category_choices(answers: Answers, ctx: Context) -> tuple[Option, ...]:
    """A button per category of the policy data, in file order: its short title when it has
    one, the full title still understood when typed."""
    return tuple(
        Option(
            c.id,
            c.button or c.title,
            (*CATEGORY_WORDS.get(c.id, ()), *((c.title.zh, c.title.en) if c.button else ())),
        )
        for c in ctx.policy.complaint_categories
    )


def _channel(link_id: str, ctx: Context) -> Text:
    link = ctx.policy.link(link_id)
    address = link.url.removeprefix("https://").removeprefix("tel:")
    return Text(N_("{title} ({address})"), {"title": link.title, "address": Text.raw(address)})


def receiving(chosen: ComplaintCategory, ctx: Context) -> Block:
    """The office that receives the category's complaints, as the founder is shown it."""
    return office_label(ctx.policy, chosen.office, "", chosen.confidence)


def category_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    """One screen: the rule, what the founder can expect, where it goes, the other channels."""
    chosen = category(answers, ctx)
    if chosen is None:
        return []
    blocks: list[Block] = [
        Text(
            N_("{title} ({articles})"),
            {"title": chosen.title, "articles": articles(chosen.articles)},
        ),
        chosen.expect,
        Text(
            N_("It goes to {office}. You can also complain there directly: {channels}."),
            {
                "office": receiving(chosen, ctx),
                "channels": tuple(_channel(link, ctx) for link in chosen.channels),
            },
        ),
    ]
    return blocks


def assessment(answers: Answers, ctx: Context) -> ArrearsAssessment | None:
    """The arrears claim assessed as of today, once the calculator is answered and sound."""
    if any(name not in answers for name in REQUIRED):
        return None
    found = claim(answers)
    if arrears_problems(found, ctx.today):
        return None
    return assess_arrears(ctx.policy, found, ctx.today)


def _yuan(amount: Decimal) -> Text:
    shown = f"{amount:,.2f}".removesuffix(".00")
    return Text.raw(f"¥{shown}")


def arrears_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    """What the payment rules say about the claim: the rule and its law always; the due date,
    days overdue and late interest only when the rules are quotable; the contract term flagged
    when longer than the law allows; the founder's outstanding amount; no retaliation."""
    found = assessment(answers, ctx)
    if found is None:
        return []
    law = {"law": found.term.law, "articles": articles(found.term.articles)}
    blocks: list[Block] = [
        Text(N_("🧮 What the payment rules say ({law}, {articles}):"), law),
        Text(
            N_("By your figures {outstanding} is still unpaid (owed {owed}, paid {paid})."),
            {
                "outstanding": _yuan(found.outstanding),
                "owed": _yuan(Decimal(str(answers["owed"]))),
                "paid": _yuan(Decimal(str(answers["paid"]))),
            },
        ),
    ]
    if found.quotable:
        blocks += _figures(found)
    else:
        blocks.append(
            Text(
                N_(
                    "The payer must pay within a term from delivery or acceptance (the "
                    "contract's, within any legal maximum, else the legal one), and late payment "
                    "earns interest. These rules are from our notes, not yet checked against the "
                    "law, so I give no due date, days overdue or interest: the office works them "
                    "out."
                )
            )
        )
        if found.exceeds_legal_maximum:
            blocks.append(
                Text(
                    N_(
                        "⚠️ Your contract's term may be longer than the law allows for this "
                        "payer; the office will check it against the legal maximum."
                    )
                )
            )
    if found.before_in_force:
        blocks.append(
            Text(
                N_(
                    "Your contract was signed before the 2025 revision came into force: which "
                    "rules govern it is for the office to decide."
                )
            )
        )
    blocks += [
        Text(
            N_(
                "Art. 54 of the Regulations: government bodies, public institutions and large "
                "enterprises may not default on payments owed to SMEs."
            )
        ),
        Text(
            N_(
                "🛡 By the same regulations, the payer may not retaliate against you for complaining."
            )
        ),
    ]
    return blocks


def _figures(found: ArrearsAssessment) -> list[Block]:
    """The computed dates and amounts, each from verified rules (with source and date)."""
    due = {
        "due": Text.raw(found.due.isoformat()),
        "decider": Text(DECIDERS[found.decided_by]),
        "days": found.term_days,
        "source": Text.raw(found.term.source),
        "checked": Text.raw(str(found.term.verified_on)),
    }
    approximate = N_(
        "Legal due date: about {due} (the holiday calendar of that year is not out yet), by "
        "{decider}, {days} days. (Source: {source}, checked {checked}.)"
    )
    exact = N_(
        "Legal due date: {due}, by {decider}, {days} days. (Source: {source}, checked {checked}.)"
    )
    blocks: list[Block] = [Text(approximate if found.approximate else exact, due)]
    if found.exceeds_legal_maximum:
        blocks.append(
            Text(
                N_(
                    "⚠️ Your contract's term is longer than the {days} days the law allows for "
                    "this payer: the legal maximum applies."
                ),
                {"days": found.term_days},
            )
        )
    if found.overdue:
        rate = f"{found.daily_rate * 100:f}".rstrip("0").rstrip(".")
        blocks.append(
            Text(
                N_(
                    "{days} days overdue; late interest so far {interest} at {rate}% a day "
                    "(Source: {source}, checked {checked}.)"
                ),
                {
                    "days": found.days_overdue,
                    "interest": _yuan(found.interest),
                    "rate": Text.raw(rate),
                    "source": Text.raw(found.rules[-1].source),
                    "checked": Text.raw(str(found.rules[-1].verified_on)),  # the rate's rule
                },
            )
        )
    else:
        blocks.append(Text(N_("Not overdue by your figures.")))
    return blocks


def identity_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    """What a real-name complaint and an anonymous tip-off each mean for the founder."""
    chosen = category(answers, ctx)
    office = receiving(chosen, ctx) if chosen else Text(N_("the office"))
    blocks: list[Block] = [
        Text(
            N_(
                "👤 Real-name complaint: your name and mobile number go to {office} with it, so "
                "the office can ask you questions and tell you the result; you get status "
                "updates here."
            ),
            {"office": office},
        ),
        Text(
            N_(
                "🕶 Anonymous tip-off: I do not ask for your name or mobile number, and none "
                "from your profile is used or sent. The office cannot reach you, so no status "
                "updates can follow."
            )
        ),
    ]
    if chosen is not None and chosen.arrears:
        blocks.append(
            Text(
                N_(
                    "For payment arrears the office needs to know who is owed: an anonymous "
                    "tip-off can report the practice but cannot pursue your payment."
                )
            )
        )
    return blocks
