"""Registration guidance (Art. 2, 9, 34, 35): a few questions, then a personalised checklist —
SME size, online steps, materials, and the policies and public services that fit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flows.engine.districts import by_code
from flows.engine.outcome import Block
from flows.engine.spec import Answers, Completion, Context, Field, FlowSpec, Kind, Option
from flows.engine.text import N_, Localized, Text
from flows.policy.citing import articles, office_label, quoted_amount
from flows.policy.loader import ChecklistItem, PolicyData
from flows.policy.schema import quotable
from flows.policy.sme_size import classify

FORMS = (
    Option("llc", N_("Limited company")),
    Option("sole_prop", N_("Sole proprietorship")),
    Option("partnership", N_("Partnership")),
    Option("individual", N_("Individual business")),
)
PREMISES = (
    Option("owned", N_("Own premises")),
    Option("leased", N_("Leased premises")),
    Option("none", N_("No premises yet")),
)
GROUPS = (
    Option("graduate", N_("College graduate")),
    Option("employment_difficulty", N_("Person with employment difficulty")),
    Option("veteran", N_("Veteran")),
    Option("unemployed", N_("Registered unemployed")),
    Option("disabled", N_("Person with a disability")),
    Option("returning_migrant", N_("Returning migrant worker")),
)
SIZE_NAMES = {
    "micro": N_("micro enterprise"),
    "small": N_("small enterprise"),
    "medium": N_("medium-sized enterprise"),
    "large": N_("large enterprise"),
}
METRIC_NAMES = {
    "staff": N_("staff"),
    "revenue": N_("revenue (10,000 CNY)"),
    "assets": N_("total assets (10,000 CNY)"),
}
WAN = Decimal(10000)
SCOPE_NAMES = {
    "small_micro": N_("small and micro enterprises"),
    "sme": N_("small and medium-sized enterprises"),
    "anyone": N_("every business"),
}


def _uses(policy: PolicyData, metric: str) -> Any:
    return lambda answers: metric in policy.industry(str(answers.get("industry", "other"))).metrics


def _size_lines(answers: Answers, policy: PolicyData) -> tuple[str, list[Block]]:
    industry = policy.industry(answers["industry"])
    money = {
        m: Decimal(answers[m]) / WAN for m in ("revenue", "assets") if answers.get(m) is not None
    }
    result = classify(
        industry,
        staff=answers.get("staff"),
        revenue_wan=money.get("revenue"),
        assets_wan=money.get("assets"),
    )
    if result.size is None:  # every metric the industry needs is asked, so this means bad data
        raise ValueError(f"size undecided for {industry.code}: missing {result.missing}")
    reasons = tuple(
        Text(
            N_("{metric} {value} {comparison} {threshold}"),
            {
                "metric": Text(METRIC_NAMES[d.metric]),
                "value": _number(d.value),
                "comparison": Text.raw("≥" if d.op == ">=" else "<"),
                "threshold": _number(d.threshold),
            },
        )
        for d in result.decided_by
    )
    lines: list[Block] = [
        Text(
            N_(
                "SME size ({articles}; SME size classification standard 工信部联企业〔2011〕300号, {industry}): {size}"
            ),
            {
                "articles": articles((2,)),
                "industry": industry.name,
                "size": Text(SIZE_NAMES[result.size]),
            },
        ),
    ]
    if reasons and quotable(industry):
        lines.append(Text(N_("Decided by: {reasons}"), {"reasons": reasons}))
        checked = Text.raw(str(industry.verified_on))
        source = {"source": Text.raw(industry.source), "date": checked}
        lines.append(Text(N_("Source: {source}, checked {date}."), source))
    else:  # the bot's copy of the standard is not checked: no thresholds quoted
        lines.append(
            Text(
                N_(
                    "This is how your figures read against the bot's copy of the standard, which "
                    "has not been checked against the official text; the district SME department "
                    "can confirm your size."
                )
            )
        )
    if result.size == "large":
        lines.append(
            Text(
                N_(
                    "Above the SME ceilings of the standard: support under the Regulations is for SMEs "
                    "(Art. 2). Check the figures, or ask the district SME department."
                )
            )
        )
    return result.size, lines


def _number(value: Decimal | int) -> Text:
    return Text.raw(f"{Decimal(value).normalize():f}")


def complete(answers: Answers, ctx: Context) -> Completion:
    """The personalised checklist, and the profile kept for pre-filling later applications."""
    policy = ctx.policy
    size, size_lines = _size_lines(answers, policy)
    profile = {
        k: answers.get(k) for k in ("business_form", "industry", "district", "premises", "staff")
    }
    profile |= {"size": size, "groups": list(answers.get("groups") or [])}
    district = by_code(str(answers["district"]))
    assert district is not None
    items = policy.checklist_for(profile)

    def bullet(text: Localized, cite: Localized, link: str | None) -> Text:
        if link:
            return Text(
                N_("• {text} {url}"), {"text": text, "url": Text.raw(policy.link(link).url)}
            )
        return Text(N_("• {text} ({cite})"), {"text": text, "cite": cite})

    steps: list[Block] = [Text(N_("🖥 Register online, step by step:"))]
    steps += [bullet(i.text, i.cite, i.link) for i in items if i.kind == "step"]
    materials: list[Block] = [Text(N_("📄 Materials to prepare:"))]
    materials += [bullet(i.text, i.cite, i.link) for i in items if i.kind == "material"]
    permits: list[Block] = [Text(N_("🪪 Licences and permits for your trade:"))]
    permits += [permit_line(i, policy, district.code) for i in items if i.kind == "permit"]
    fits: list[Block] = [
        Text(
            N_(
                "🎯 Policies that may fit you (chosen by this bot; the official list of business "
                "support policies comes from the district administrative service centre, {articles}):"
            ),
            {"articles": articles((9,))},
        )
    ]
    services: list[Block] = [
        Text(
            N_(
                "🤝 Public services that may help you (chosen by this bot; the official list of "
                "public services for enterprises comes from the district administrative service "
                "centre, {articles}):"
            ),
            {"articles": articles((9,))},
        )
    ]
    for p in policy.policies_for(profile):
        (fits if p.kind == "policy" else services).append(
            Text(
                N_("• {title} ({articles}): {summary} {amount} → {office}"),
                {
                    "title": p.title,
                    "articles": articles(p.articles),
                    "summary": p.summary,
                    "amount": quoted_amount(p),
                    "office": office_label(policy, p.office, district.code),
                },
            )
        )
    if len(fits) == 1:
        fits.append(
            Text(
                N_(
                    "No listed policy matches your answers; the district SME service centre can advise."
                )
            )
        )
    fits += absent_for_size(policy, profile)
    header: list[Block] = [Text(N_("✅ Your registration checklist")), *size_lines]
    return Completion(
        blocks=(
            tuple(header),
            tuple(steps),
            tuple(materials),
            tuple(permits),
            tuple(fits),
            tuple(services),
        ),
        profile=profile,
        next_flows=("subsidy",),
    )


def permit_line(item: ChecklistItem, policy: PolicyData, district: str) -> Text:
    """A licence or permit: what, the rule requiring it, and the office that decides; one the
    data does not confirm (grade C) says to confirm it."""
    params: dict[str, object] = {"text": item.text, "cite": item.cite}
    if item.office is None:
        return Text(N_("• {text} ({cite})"), params)
    params["office"] = office_label(policy, item.office, district)
    return Text(N_("• {text} ({cite}) → {office}"), params)


def absent_for_size(policy: PolicyData, profile: Answers) -> list[Block]:
    """Why policies the founder would otherwise meet are not listed: the Regulations give them
    to smaller enterprises than the size the answers point to (read from a standard the data
    holds at grade C, so the office has the last word)."""
    missing = policy.out_of_scope(profile)
    if not missing or profile.get("size") == "large":  # the size lines say: outside the Regulations
        return []
    return [
        Text(
            N_(
                "Not listed: {titles}. The Regulations give them to {scope} ({articles}), and your "
                "figures point to a {size}; the district SME department can confirm your size."
            ),
            {
                "titles": tuple(p.title for p in missing),
                "scope": Text(SCOPE_NAMES[missing[0].scope]),
                "articles": articles(tuple(sorted({a for p in missing for a in p.articles}))),
                "size": Text(SIZE_NAMES[str(profile["size"])]),
            },
        )
    ]


def build(policy: PolicyData) -> FlowSpec:
    """The registration guidance flow; which size metrics are asked comes from the policy data."""
    industries = tuple(Option(i.code, i.name) for i in policy.industries)
    return FlowSpec(
        id="registration",
        code="reg",
        icon="📋",
        articles=(2, 9, 34, 35),
        title=N_("Registration guidance"),
        intro=N_(
            "Registration guidance (Art. 2, 9, 34, 35 of the Regulations): a few questions about your planned "
            "business, then a personalised checklist: your SME size, the steps and materials to register, "
            "and the policies that fit you. About 2 minutes."
        ),
        fields=(
            Field(
                "business_form",
                N_("Which business form do you plan to register?"),
                Kind.CHOICE,
                FORMS,
                help=N_(
                    "A limited company limits your liability to your contribution; a sole proprietorship, "
                    "partnership or individual business is simpler, but the owners are personally liable for its debts."
                ),
                label=N_("Business form"),
            ),
            Field(
                "industry",
                N_("Which industry is your main business in?"),
                Kind.CHOICE,
                industries,
                help=N_(
                    "The industry decides which figures set your SME size (SME size "
                    "classification standard, 工信部联企业〔2011〕300号, Art. 4)."
                ),
                label=N_("Industry"),
            ),
            Field(
                "staff",
                N_("How many staff do you expect to employ? Type a number, e.g. 8."),
                Kind.NUMBER,
                when=_uses(policy, "staff"),
                depends_on=("industry",),
                limits={"maximum": 1_000_000},
                label=N_("Staff"),
            ),
            Field(
                "revenue",
                N_("What annual operating revenue do you expect, in CNY? E.g. 300万 or 3,000,000."),
                Kind.MONEY,
                when=_uses(policy, "revenue"),
                depends_on=("industry",),
                label=N_("Annual revenue"),
            ),
            Field(
                "assets",
                N_("What total assets do you expect, in CNY? E.g. 500万."),
                Kind.MONEY,
                when=_uses(policy, "assets"),
                depends_on=("industry",),
                label=N_("Total assets"),
            ),
            Field(
                "district",
                N_("In which district will the business be registered? Tap one or type its name."),
                Kind.DISTRICT,
                label=N_("District"),
            ),
            Field(
                "premises",
                N_("Do you have premises for the registered address?"),
                Kind.CHOICE,
                PREMISES,
                help=N_(
                    "A start-up that does not yet have, or does not need, a physical office may "
                    "register at a makerspace's centralised registration address (Art. 34); a "
                    "shop or restaurant needs premises of its own for its licences."
                ),
                label=N_("Premises"),
                columns=1,
            ),
            Field(
                "groups",
                N_("Do any of these describe you? Tap all that apply, then Done, or tap Skip."),
                Kind.MULTI,
                GROUPS,
                optional=True,
                label=N_("About you"),
                columns=1,
                help=N_(
                    "Some support under Art. 38 is for these groups, e.g. the one-time startup subsidy."
                ),
            ),
        ),
        complete=complete,
    )
