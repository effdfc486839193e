"""Registration guidance (Art. 2, 9, 34, 35): the questions; the checklist they lead to is
built in `checklist`."""

from __future__ import annotations

from typing import Any

from flows.engine.spec import Field, FlowSpec, Kind, Option
from flows.engine.text import N_
from flows.policy.loader import PolicyData
from flows.services.registration.checklist import complete

# Synonyms are what founders type for an option besides its label, in either language.
FORMS = (
    Option(
        "llc", N_("Limited company"), ("有限公司", "有限责任公司", "公司", "LLC", "Ltd", "company")
    ),
    Option(
        "sole_prop", N_("Sole proprietorship"), ("个人独资", "独资", "独资企业", "sole proprietor")
    ),
    Option("partnership", N_("Partnership"), ("合伙", "合伙制")),
    Option(
        "individual", N_("Individual business"), ("个体户", "个体", "个体经营", "self-employed")
    ),
)
PREMISES = (
    Option("owned", N_("Own premises"), ("自有", "自己的", "own", "owned", "my own")),
    Option(
        "leased", N_("Leased premises"), ("租的", "租赁", "租用", "租房", "rent", "rented", "lease")
    ),
    Option("none", N_("No premises yet"), ("没有", "无", "还没有", "暂无", "none", "no")),
)
GROUPS = (
    Option("graduate", N_("College graduate"), ("毕业生", "大学生", "应届生", "graduate")),
    Option("employment_difficulty", N_("Person with employment difficulty"), ("就业困难",)),
    Option("veteran", N_("Veteran"), ("退伍军人", "军人", "退役")),
    Option("unemployed", N_("Registered unemployed"), ("失业", "失业人员", "unemployed")),
    Option("disabled", N_("Person with a disability"), ("残疾", "残障", "disabled")),
    Option("returning_migrant", N_("Returning migrant worker"), ("返乡", "返乡创业", "农民工")),
)


def _uses(policy: PolicyData, metric: str) -> Any:
    return lambda answers: metric in policy.industry(str(answers.get("industry", "other"))).metrics


def build(policy: PolicyData) -> FlowSpec:
    """The registration guidance flow; which size metrics are asked comes from the policy data."""
    industries = tuple(  # a short name on the button, the full one still understood typed
        Option(i.code, i.button or i.name, (i.name.zh, i.name.en) if i.button else ())
        for i in policy.industries
    )
    return FlowSpec(
        id="registration",
        code="reg",
        icon="📋",
        articles=(2, 9, 34, 35),
        title=N_("Registration guidance"),
        synonyms=("register", "registration", "注册", "登记", "开公司", "开办企业"),
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
                    "The legal form you plan to register. It decides your liability and some materials: a "
                    "limited company limits your liability to your contribution and needs articles of "
                    "association; the owners of a sole proprietorship, a partnership or an individual "
                    "business are personally liable for its debts. Unsure? The district market regulation "
                    "administration (AMR) advises."
                ),
                label=N_("Business form"),
            ),
            Field(
                "industry",
                N_("Which industry is your main business in?"),
                Kind.CHOICE,
                industries,
                help=N_(
                    "Your main line of business, as you will put it first in the business scope. Why: "
                    "SMEs are the enterprises that meet the national SME size classification standard "
                    "(Art. 2), which uses different figures for each industry: staff, revenue or total "
                    "assets. If nothing fits, choose Other industries."
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
                help=N_(
                    "How many people you expect to work for the business in its first year; an "
                    "estimate is fine. Why: for your industry the SME size classification standard "
                    "counts staff (Art. 2), and your size decides which support fits."
                ),
            ),
            Field(
                "revenue",
                N_("What annual operating revenue do you expect, in CNY? E.g. 300万 or 3,000,000."),
                Kind.MONEY,
                when=_uses(policy, "revenue"),
                depends_on=("industry",),
                label=N_("Annual revenue"),
                help=N_(
                    "The operating revenue (营业收入) you expect in a year, in CNY: 300万 and "
                    "3,000,000 both work, and an estimate is fine. Why: for your industry the SME "
                    "size classification standard uses revenue (Art. 2)."
                ),
            ),
            Field(
                "assets",
                N_("What total assets do you expect, in CNY? E.g. 500万."),
                Kind.MONEY,
                when=_uses(policy, "assets"),
                depends_on=("industry",),
                label=N_("Total assets"),
                help=N_(
                    "The total assets (资产总额) you expect the business to hold, in CNY, e.g. 500万; "
                    "an estimate is fine. Why: for your industry the SME size classification standard "
                    "uses total assets (Art. 2)."
                ),
            ),
            Field(
                "district",
                N_("In which district will the business be registered? Tap one or type its name."),
                Kind.DISTRICT,
                label=N_("District"),
                help=N_(
                    "The district of the registered address; type its name or tap it (old names "
                    "such as 南汇 work too). Why: you register there, and when you do, its "
                    "administrative service centre hands you the list of business support policies "
                    "and the list of public services for enterprises (Art. 9)."
                ),
            ),
            Field(
                "premises",
                N_("Do you have premises for the registered address?"),
                Kind.CHOICE,
                PREMISES,
                help=N_(
                    "Whether you have a place to use as the registered address (住所): owned, leased, "
                    "or none yet. Why: it decides the proof of address you need. A start-up that does "
                    "not yet have, or does not need, a physical office may register at a makerspace's "
                    "centralised registration address (Art. 34); a shop or restaurant needs premises "
                    "of its own for its licences. Startup bases and incubators offer small and micro "
                    "enterprises low-cost premises (Art. 35)."
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
                    "Tap each that describes you, then Done; Skip if none does. Why: graduates, "
                    "veterans, unemployed and disabled people who start a small or micro business get "
                    "tax and fee relief, and people with employment difficulty and eligible graduates "
                    "starting their first one in Shanghai can apply for a one-time startup subsidy "
                    "(Art. 38). The proof: a graduation certificate, a discharge certificate, a "
                    "disability certificate (from the Disabled Persons' Federation) or the Employment "
                    "and Entrepreneurship Certificate (就业创业证)."
                ),
            ),
        ),
        complete=complete,
        review_help=N_(
            "Check each answer; tap ✏️ and an answer to change it (the questions that depend on it "
            "are asked again). ✅ Confirm shows your checklist: nothing is sent to any office."
        ),
    )
