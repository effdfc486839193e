"""The questions of the subsidy application: eligibility, the form, the documents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flows.engine.errors import ValidationFailed
from flows.engine.outcome import Block
from flows.engine.spec import Answers, Context, Field, Kind, Option
from flows.engine.text import N_, Localized
from flows.policy.eligibility import documents_for
from flows.policy.loader import PolicyData
from flows.policy.schema import TODAY
from flows.services.subsidy.help import HELP

NONE_WORDS = ("都不是", "以上都不是", "没有", "无", "none", "no", "neither")
# Synonyms are what founders type for an option besides its label, in either language.
APPLICANTS = (
    Option("graduate", N_("College graduate"), ("毕业生", "大学生", "应届生", "graduate")),
    Option("employment_difficulty", N_("Person with employment difficulty"), ("就业困难",)),
    Option("veteran", N_("Veteran"), ("退伍军人", "军人", "退役")),
    Option("unemployed", N_("Registered unemployed"), ("失业", "失业人员", "unemployed")),
    Option("disabled", N_("Person with a disability"), ("残疾", "残障", "disabled")),
    Option("returning_migrant", N_("Returning migrant worker"), ("返乡", "返乡创业", "农民工")),
    Option("other", N_("None of these"), (*NONE_WORDS, "其他", "other")),
)
RESIDENCE = (
    Option("hukou", N_("Shanghai hukou"), ("户口", "户籍", "上海户口", "本地户口", "hukou")),
    Option("residence_permit", N_("Shanghai residence permit"), ("居住证", "residence permit")),
    Option("talent_permit", N_("Overseas talent residence permit"), ("人才居住证", "海外人才")),
    Option("none", N_("None of these"), NONE_WORDS),
)
ORG_TYPES = (
    Option("small_micro", N_("Small or micro enterprise"), ("小微", "小微企业", "小型", "微型")),
    Option("individual", N_("Individual business"), ("个体户", "个体", "个体经营")),
    Option("cooperative", N_("Farmers' cooperative"), ("合作社", "cooperative", "co-op")),
    Option("non_enterprise", N_("Private non-enterprise unit"), ("民非", "民办非企业")),
    Option("other", N_("Other / not yet decided"), ("其他", "未定", "不确定", "not sure")),
)
Parser = Callable[[str, Context], Any]


YES_NO_FACTS = ("first_business", "registered", "lease", "dishonest")


def facts(answers: Answers, today: date | None) -> dict[str, object]:
    """The eligibility facts: answers with yes/no as strings, and `today` (when given) for the
    rules that count a period from a date."""
    found: dict[str, object] = {k: v for k, v in answers.items() if v is not None}
    for name in YES_NO_FACTS:
        if isinstance(found.get(name), bool):
            found[name] = "yes" if found[name] else "no"
    if not answers.get("registered"):
        found.pop("registered_on", None)
    if today is None:
        return found
    found[TODAY] = today  # date rules count their periods to this day
    return found


def is_registered(answers: Answers) -> bool:
    """Whether the founder said the business is registered already."""
    return answers.get("registered") is True


def _year(value: Any, answers: Answers) -> None:
    if not 1950 <= int(value) <= date.today().year:
        raise ValidationFailed(N_("Please enter a year like 2024."))


def mask_id(value: str) -> str:
    """110105********002X: first 6 and last 4 characters shown."""
    return value[:6] + "*" * max(0, len(value) - 10) + value[-4:]


def eligibility_fields() -> tuple[Field, ...]:
    """Who applies, and the business's situation: what the programmes' rules read."""
    return (
        Field(
            "applicant",
            N_("Which of these describes you, the applicant?"),
            Kind.CHOICE,
            APPLICANTS,
            columns=1,
            label=N_("Applicant"),
            part=N_("Eligibility check"),
            help=HELP["applicant"],
        ),
        Field(
            "graduation_year",
            N_("In which year did you graduate? E.g. 2024."),
            Kind.NUMBER,
            when=lambda a: a.get("applicant") == "graduate",
            depends_on=("applicant",),
            check=_year,
            label=N_("Graduation year"),
            help=HELP["graduation_year"],
        ),
        Field(
            "residence",
            N_("Do you have a Shanghai hukou or residence permit?"),
            Kind.CHOICE,
            RESIDENCE,
            columns=1,
            label=N_("Hukou or residence permit"),
            help=HELP["residence"],
        ),
        Field(
            "first_business",
            N_("Is this your first business in Shanghai?"),
            Kind.YESNO,
            label=N_("First business in Shanghai"),
            help=HELP["first_business"],
        ),
        Field(
            "registered",
            N_("Is the business registered already?"),
            Kind.YESNO,
            label=N_("Business registered"),
            help=HELP["registered"],
        ),
        Field(
            "registered_on",
            N_("On which date was it registered? E.g. 2025-03-15."),
            Kind.DATE,
            when=is_registered,
            depends_on=("registered",),
            limits={"not_future": True},
            label=N_("Registration date"),
            help=HELP["registered_on"],
        ),
        Field(
            "org_type",
            N_("What kind of organisation is it (or will it be)?"),
            Kind.CHOICE,
            ORG_TYPES,
            columns=1,
            label=N_("Organisation type"),
            help=HELP["org_type"],
        ),
        Field(
            "district",
            N_("In which district is it registered (or will it be)?"),
            Kind.DISTRICT,
            label=N_("District"),
            help=HELP["district"],
        ),
        Field(
            "insured_staff",
            N_(
                "How many staff have social insurance paid by the business? "
                "Type a number, e.g. 3 (0 if none)."
            ),
            Kind.NUMBER,
            when=is_registered,
            depends_on=("registered",),
            limits={"maximum": 100000},
            label=N_("Insured staff"),
            help=HELP["insured_staff"],
        ),
        Field(
            "insured_since",
            N_(
                "Since which date has your longest-serving insured employee worked for you? "
                "E.g. 2025-06-01."
            ),
            Kind.DATE,
            when=lambda a: is_registered(a) and (a.get("insured_staff") or 0) > 0,
            depends_on=("registered", "insured_staff"),
            limits={"not_future": True},
            label=N_("Employed since"),
            help=HELP["insured_since"],
        ),
        Field(
            "lease",
            N_("Do you have a lease for the business premises?"),
            Kind.YESNO,
            label=N_("Premises lease"),
            help=HELP["lease"],
        ),
        Field(
            "dishonest",
            N_("Are you listed as a dishonest judgment debtor (失信被执行人)?"),
            Kind.YESNO,
            label=N_("Listed as dishonest judgment debtor"),
            help=HELP["dishonest"],
        ),
    )


def has_agreed(answers: Answers) -> bool:
    """Whether the founder consented to the use of their personal data (PIPL Art. 29)."""
    return answers.get("consent") == "agree"


def document_fields(policy: PolicyData) -> tuple[Field, ...]:
    """One upload step per document the data knows, shown when the chosen programme needs it."""

    def needed(document_id: str) -> Callable[[Answers], bool]:
        def when(answers: Answers) -> bool:
            if not has_agreed(answers):
                return False
            try:
                programme = policy.programme(str(answers.get("programme", "")))
            except KeyError:
                return False
            found = facts(answers, None)
            return any(d.id == document_id for d in documents_for(programme, found, policy))

        return when

    depends = ("applicant", "registered", "lease", "programme", "consent")
    return tuple(
        Field(
            f"doc_{d.id}",
            N_("Send a photo or PDF of this document (several files are fine), then tap Done:"),
            Kind.FILE,
            when=needed(d.id),
            depends_on=depends,
            intro=_shows(d.name),
            label=d.name,
            help=d.help,
        )
        for d in policy.documents
    )


def _shows(name: Localized) -> Callable[[Answers, Context], list[Block]]:
    return lambda answers, ctx: [name]
