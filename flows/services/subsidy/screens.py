"""What the subsidy flow shows beside its questions: the eligibility results above the choice of
programme, the programmes offered, and the consent screen (PIPL Art. 29)."""

from __future__ import annotations

from collections.abc import Sequence

from flows.engine.outcome import Block
from flows.engine.spec import Answers, Context, Option
from flows.engine.text import N_, Text
from flows.policy.citing import articles, office_name
from flows.policy.eligibility import Assessment, assess
from flows.services.subsidy.fields import facts


def assessments(answers: Answers, ctx: Context) -> list[Assessment]:
    """Each programme assessed against the founder's answers so far."""
    return assess(facts(answers, ctx.today), ctx.policy)


def results_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    """Each programme: whether the founder looks eligible, why not, the article and the office."""
    lines: list[Block] = [
        Text(N_("Your eligibility results ({articles}):"), {"articles": articles((36, 37, 38))})
    ]
    for result in assessments(answers, ctx):
        programme = result.programme
        policy = ctx.policy.policy(programme.policy)
        office = office_name(ctx.policy, programme.office, str(answers.get("district", "")))
        if result.eligible:  # the amount is told once it is chosen, on the consent screen
            lines.append(
                Text(
                    N_("✅ {title} ({articles}): you look eligible → {office}"),
                    {
                        "title": policy.title,
                        "articles": articles(policy.articles),
                        "office": office,
                    },
                )
            )
        else:
            lines.append(
                Text(
                    N_("❌ {title} ({articles}): {reason} → {office}"),
                    {
                        "title": policy.title,
                        "articles": articles(policy.articles),
                        "reason": result.reasons[0],
                        "office": office,
                    },
                )
            )
    if not any(r.eligible for r in assessments(answers, ctx)):
        lines.append(
            Text(
                N_(
                    "No programme fits your answers now. The offices named above can advise; "
                    "change an answer with ⬅️ Back if one was wrong."
                )
            )
        )
    return lines


def eligible_choices(answers: Answers, ctx: Context) -> tuple[Option, ...]:
    """The programmes the founder may apply for, as buttons."""
    return tuple(
        Option(r.programme.id, ctx.policy.policy(r.programme.policy).title)
        for r in assessments(answers, ctx)
        if r.eligible
    )


def consent_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    """PIPL Art. 29: what is collected, why, who receives it, how long it is kept."""
    try:
        programme = ctx.policy.programme(str(answers.get("programme", "")))
    except KeyError:
        return []
    if answers.get("consent") == "decline":
        return [
            Text(
                N_(
                    "Without your consent I cannot take your ID number, so I cannot prepare this "
                    "application here. Nothing sensitive is kept: what you had entered after this "
                    "step has been deleted. You can apply in person at {office}, or tap ✅ I agree "
                    "if you change your mind."
                ),
                {
                    "office": office_name(
                        ctx.policy, programme.office, str(answers.get("district", ""))
                    )
                },
            )
        ]
    chosen = ctx.policy.policy(programme.policy)
    gives = [Text(N_("{title}: {amount}"), {"title": chosen.title, "amount": chosen.amount})]
    return [
        *(gives if chosen.verified and chosen.amount else []),
        Text(
            N_(
                "Before I ask for your ID number: it is sensitive personal information (Personal "
                "Information Protection Law, Art. 29), so I need your separate consent."
            )
        ),
        Text(
            N_(
                "What: your name, resident ID number, mobile number, company details and the "
                "documents you send. Why: only to prepare your application for {programme}. "
                "Who receives it: {office}. How long: an unfinished draft is deleted after {days} "
                "days without activity; a submitted application is kept for the office's handling "
                "of your case. Your ID number is stored encrypted and never written to logs."
            ),
            {
                "programme": ctx.policy.policy(programme.policy).title,
                "office": office_name(
                    ctx.policy, programme.office, str(answers.get("district", ""))
                ),
                "days": ctx.draft_days,
            },
        ),
    ]
