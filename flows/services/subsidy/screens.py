"""What the subsidy flow shows beside its questions: the eligibility results above the choice of
programme, the programmes offered, and the consent screen (PIPL Art. 29)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flows.engine.outcome import Block
from flows.engine.spec import Answers, Context, Option
from flows.engine.text import N_, Text
from flows.policy.citing import articles, office_label, quoted_amount
from flows.policy.eligibility import Assessment, assess
from flows.policy.programmes import Programme
from flows.services.subsidy.fields import facts


def assessments(answers: Answers, ctx: Context) -> list[Assessment]:
    """Each programme assessed against the founder's answers so far."""
    return assess(facts(answers, ctx.today), ctx.policy)


def receiving(programme: Programme, answers: Answers, ctx: Context) -> Block:
    """The office that receives the programme's applications, as the founder is shown it."""
    district = str(answers.get("district", ""))
    return office_label(ctx.policy, programme.office, district, programme.office_confidence)


def results_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    """Each programme: whether the founder looks eligible, may apply (a condition only the
    office can confirm), or not and why, with the article and the office. The amount is told
    once a programme is chosen, on the consent screen."""
    lines: list[Block] = [
        Text(N_("Your eligibility results ({articles}):"), {"articles": articles((36, 37, 38))})
    ]
    results = assessments(answers, ctx)
    for result in results:
        policy = ctx.policy.policy(result.programme.policy)
        shown = {
            "title": policy.title,
            "articles": articles(policy.articles),
            "office": receiving(result.programme, answers, ctx),
        }
        if result.status == "eligible":
            lines.append(Text(N_("✅ {title} ({articles}): you look eligible → {office}"), shown))
        elif result.status == "confirm":
            msgid = N_(
                "❔ {title} ({articles}): may apply; only the office can confirm: {reason} → {office}"
            )
            lines.append(Text(msgid, shown | {"reason": result.unconfirmed[0]}))
        else:
            msgid = N_("❌ {title} ({articles}): {reason} → {office}")
            lines.append(Text(msgid, shown | {"reason": result.reasons[0]}))
    lines += applied_before(results, ctx)
    if not any(r.may_apply for r in results):
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
    """The programmes the founder may apply for, as buttons: the eligible ones and those only
    the office can confirm (nothing the bot can rely on rules them out), less one-time
    programmes applied for already."""
    return tuple(
        Option(r.programme.id, ctx.policy.policy(r.programme.policy).title)
        for r in assessments(answers, ctx)
        if r.may_apply and not (r.programme.once and earlier(r.programme.id, ctx))
    )


def earlier(programme_id: str, ctx: Context) -> list[Mapping[str, Any]]:
    """The founder's applications for this programme that still stand (not rejected)."""
    return [
        entry
        for entry in ctx.applications
        if entry.get("programme") == programme_id
        and not entry.get("parent")
        and entry.get("status") != "rejected"
    ]


def applied_before(results: Sequence[Assessment], ctx: Context) -> list[Block]:
    """One line naming the programmes applied for before: a one-time one is not offered again,
    another would be a second application."""
    items = [
        Text(
            N_("{title} ({reference})"),
            {
                "title": ctx.policy.policy(r.programme.policy).title,
                "reference": str(entries[-1]["reference"]),
            },
        )
        for r in results
        if r.may_apply and (entries := earlier(r.programme.id, ctx))
    ]
    if not items:
        return []
    msgid = N_(
        "Applied for before: {items}. A one-time programme is not offered again; another "
        "would be a second application."
    )
    return [Text(msgid, {"items": tuple(items)})]


def consent_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    """PIPL Art. 29: what is collected, why, who receives it, how long it is kept."""
    try:
        programme = ctx.policy.programme(str(answers.get("programme", "")))
    except KeyError:
        return []
    office = receiving(programme, answers, ctx)
    if answers.get("consent") == "decline":
        return [
            Text(
                N_(
                    "Without your consent I cannot take your ID number, so I cannot prepare this "
                    "application here. Nothing sensitive is kept: what you had entered after this "
                    "step has been deleted. You can apply in person at {office}, or tap ✅ I agree "
                    "if you change your mind."
                ),
                {"office": office},
            )
        ]
    chosen = ctx.policy.policy(programme.policy)
    amount = quoted_amount(chosen)  # empty unless checked by a person, with source and date
    gives = (
        []
        if amount.literal
        else [Text(N_("{title}: {amount}"), {"title": chosen.title, "amount": amount})]
    )
    return [
        *gives,
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
                "days without activity; your answers stay in your profile for {profile_days} days "
                "so that a next application is filled in for you to confirm; a submitted "
                "application's personal details are removed from this bot {retention_days} days "
                "after delivery (the office keeps its own record). Your ID number is stored "
                "encrypted and never written to logs."
            ),
            {
                "programme": chosen.title,
                "office": office,
                "days": ctx.draft_days,
                "profile_days": ctx.profile_days,
                "retention_days": ctx.retention_days,
            },
        ),
        Text(
            N_(
                "Your rights (Personal Information Protection Law, Art. 44–47): /mydata sends you "
                "everything I store about you; /deleteme erases it."
            )
        ),
    ]
