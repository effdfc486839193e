"""The registration checklist (Art. 2, 9, 34, 35): the founder's SME size, the steps and
materials to register, and the policies and public services that fit, as a short summary with
one section per part (each opened by its own button)."""

from __future__ import annotations

from decimal import Decimal

from flows.engine.districts import District, by_code
from flows.engine.outcome import Block
from flows.engine.spec import Answers, Completion, Context, Section
from flows.engine.text import N_, Localized, Text
from flows.policy.citing import articles, office_label, quoted_amount
from flows.policy.loader import PolicyData
from flows.policy.schema import ChecklistItem, Policy, quotable
from flows.policy.sme_size import classify

PROFILE = ("business_form", "industry", "district", "premises", "staff")
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
    policy: PolicyData = ctx.policy
    size, size_lines = _size_lines(answers, policy)
    profile = {k: answers.get(k) for k in PROFILE}
    profile |= {"size": size, "groups": list(answers.get("groups") or [])}
    district = by_code(str(answers["district"]))
    assert district is not None
    items = policy.checklist_for(profile)
    matched = policy.policies_for(profile)
    fits: list[Text] = [_policy_line(p, policy, district) for p in matched if p.kind == "policy"]
    fits += absent_for_size(policy, profile)
    services = [_policy_line(p, policy, district) for p in matched if p.kind != "policy"]
    nine = {"articles": articles((9,))}
    sections = (
        Section(Text(N_("📏 Size")), size_lines[0], tuple(size_lines[1:])),
        _section(
            N_("🖥 Steps ({count})"),
            Text(N_("🖥 Register online, step by step:")),
            [_bullet(i.text, i.cite, i.link, policy) for i in items if i.kind == "step"],
        ),
        _section(
            N_("📄 Materials ({count})"),
            Text(N_("📄 Materials to prepare:")),
            [_bullet(i.text, i.cite, i.link, policy) for i in items if i.kind == "material"],
        ),
        _section(
            N_("🪪 Licences ({count})"),
            Text(N_("🪪 Licences and permits for your trade:")),
            [permit_line(i, policy, district.code) for i in items if i.kind == "permit"],
        ),
        _section(
            N_("🎯 Policies ({count})"),
            Text(
                N_(
                    "🎯 Policies that may fit you (chosen by this bot; the official list of "
                    "business support policies comes from the district administrative service "
                    "centre, {articles}):"
                ),
                nine,
            ),
            fits,
            empty=NO_POLICY,
        ),
        _section(
            N_("🤝 Services ({count})"),
            Text(
                N_(
                    "🤝 Public services that may help you (chosen by this bot; the official list of "
                    "public services for enterprises comes from the district administrative service "
                    "centre, {articles}):"
                ),
                nine,
            ),
            services,
        ),
    )
    summary = (
        Text(N_("✅ Your registration checklist")),
        Text(
            N_("Your SME size, as your figures read: {size} ({articles}; the office confirms)."),
            {"size": Text(SIZE_NAMES[size]), "articles": articles((2,))},
        ),
        Text(
            N_(
                "It has the parts below: tap one to read it. It stays under 🗂 My applications, "
                "and the subsidy application can use your answers."
            )
        ),
    )
    return Completion(
        blocks=(summary,),
        sections=sections,
        profile=profile,
        next_flows=("subsidy",),
        subscribe=True,
    )


NO_POLICY = N_("No listed policy matches your answers; the district SME service centre can advise.")


def _section(button: str, heading: Block, items: list[Text], empty: str = "") -> Section:
    """A section whose button counts its items (`empty` says so when there are none)."""
    shown: tuple[Block, ...] = tuple(items) or ((Text(empty),) if empty else ())
    return Section(Text(button, {"count": len(items)}), heading, shown)


def _bullet(text: Localized, cite: Localized, link: str | None, policy: PolicyData) -> Text:
    """One step or material: with its link where it has one, else with its source."""
    if link:
        return Text(N_("• {text} {url}"), {"text": text, "url": Text.raw(policy.link(link).url)})
    return Text(N_("• {text} ({cite})"), {"text": text, "cite": cite})


def _policy_line(p: Policy, policy: PolicyData, district: District) -> Text:
    """One policy or public service: what it is, its articles, the amount where it may be
    quoted (with its source and date), the office of the founder's district, and the entry's
    source in the policy data."""
    params: dict[str, object] = {
        "title": p.title,
        "articles": articles(p.articles),
        "summary": p.summary,
        "office": office_label(policy, p.office, district.code),
        "source": Text.raw(p.source),
    }
    amount = quoted_amount(p)
    if not amount.literal:
        params["amount"] = amount
        return Text(
            N_("• {title} ({articles}): {summary} {amount} → {office}. Source: {source}"), params
        )
    return Text(N_("• {title} ({articles}): {summary} → {office}. Source: {source}"), params)


def permit_line(item: ChecklistItem, policy: PolicyData, district: str) -> Text:
    """A licence or permit: what, the rule requiring it, and the office that decides; one the
    data does not confirm (grade C) says to confirm it."""
    params: dict[str, object] = {"text": item.text, "cite": item.cite}
    if item.office is None:
        return Text(N_("• {text} ({cite})"), params)
    params["office"] = office_label(policy, item.office, district)
    return Text(N_("• {text} ({cite}) → {office}"), params)


def absent_for_size(policy: PolicyData, profile: Answers) -> list[Text]:
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
