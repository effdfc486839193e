"""The questions of the subsidy application: eligibility, the form, the documents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flows.engine import validators
from flows.engine.errors import ValidationFailed
from flows.engine.outcome import Block
from flows.engine.spec import Answers, Context, Field, Kind, Option
from flows.engine.text import N_, Localized
from flows.policy.eligibility import documents_for
from flows.policy.loader import PolicyData

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
    """The eligibility facts: answers with yes/no as strings, plus derived durations (when
    `today` is given)."""
    found: dict[str, object] = {k: v for k, v in answers.items() if v is not None}
    for name in YES_NO_FACTS:
        if isinstance(found.get(name), bool):
            found[name] = "yes" if found[name] else "no"
    registered_on = answers.get("registered_on")
    if today is None:
        return found
    if answers.get("registered") and registered_on:
        start = date.fromisoformat(str(registered_on))
        found["registered_months"] = (today.year - start.year) * 12 + today.month - start.month
    if isinstance(answers.get("graduation_year"), int):
        found["graduated_years_ago"] = today.year - int(answers["graduation_year"])
    return found


def _registered(answers: Answers) -> bool:
    return answers.get("registered") is True


def _year(value: Any, answers: Answers) -> None:
    if not 1950 <= int(value) <= date.today().year:
        raise ValidationFailed(N_("Please enter a year like 2024."))


def mask_id(value: str) -> str:
    """110105********002X: first 6 and last 4 characters shown."""
    return value[:6] + "*" * max(0, len(value) - 10) + value[-4:]


def mask_mobile(value: str) -> str:
    """138****5678: first 3 and last 4 digits shown."""
    return value[:3] + "*" * max(0, len(value) - 7) + value[-4:]


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
            help=N_(
                "The group you, the applicant, belong to. Why: support is for particular groups: "
                "tax and fee relief for graduates, veterans, unemployed and disabled people, and the "
                "one-time startup subsidy for people with employment difficulty and eligible "
                "graduates (Art. 38). The office will ask for proof: the graduation certificate, the "
                "discharge certificate, the disability certificate (from the Disabled Persons' "
                "Federation, 残联) or the Employment and Entrepreneurship Certificate (就业创业证; in "
                "Shanghai usually applied for on One-Netcom or at your community affairs service "
                "centre)."
            ),
        ),
        Field(
            "graduation_year",
            N_("In which year did you graduate? E.g. 2024."),
            Kind.NUMBER,
            when=lambda a: a.get("applicant") == "graduate",
            depends_on=("applicant",),
            check=_year,
            label=N_("Graduation year"),
            help=N_(
                "The year on your graduation certificate (毕业证书), e.g. 2024. Why: support for "
                "graduates is for eligible graduates (Art. 38), and the programme rules count the "
                "years since graduation; the office checks the certificate."
            ),
        ),
        Field(
            "residence",
            N_("Do you have a Shanghai hukou or residence permit?"),
            Kind.CHOICE,
            RESIDENCE,
            columns=1,
            label=N_("Hukou or residence permit"),
            help=N_(
                "Whether you hold a Shanghai hukou (see your household register, 户口簿), a Shanghai "
                "residence permit (上海市居住证) or an overseas talent residence permit. Why: under "
                "Shanghai's rules the social insurance subsidy for start-up organisations (Art. 38) "
                "asks one of these of the legal representative."
            ),
        ),
        Field(
            "first_business",
            N_("Is this your first business in Shanghai?"),
            Kind.YESNO,
            label=N_("First business in Shanghai"),
            help=N_(
                "Whether this is the first business you start in Shanghai; if you registered one "
                "here before, answer No. Why: the one-time startup subsidy is for a first small or "
                "micro business in Shanghai (Art. 38)."
            ),
        ),
        Field(
            "registered",
            N_("Is the business registered already?"),
            Kind.YESNO,
            label=N_("Business registered"),
            help=N_(
                "Whether the business is registered already, that is, it has a business licence "
                "(营业执照). Why: most programmes are for registered businesses; a startup "
                "guarantee loan (Art. 37) can be asked for before registering too."
            ),
        ),
        Field(
            "registered_on",
            N_("On which date was it registered? E.g. 2025-03-15."),
            Kind.DATE,
            when=_registered,
            depends_on=("registered",),
            limits={"not_future": True},
            label=N_("Registration date"),
            help=N_(
                "The date of establishment (成立日期) printed on the business licence. Why: support "
                "for start-up organisations (Art. 38) and the rent subsidy depend on how long the "
                "business has existed; the programme rules set the periods."
            ),
        ),
        Field(
            "org_type",
            N_("What kind of organisation is it (or will it be)?"),
            Kind.CHOICE,
            ORG_TYPES,
            columns=1,
            label=N_("Organisation type"),
            help=N_(
                "The type (类型) on the business licence, or the one you plan. Why: the rent "
                "subsidy and the social insurance subsidy are for small and micro enterprises "
                "(Art. 36, 38); the programme rules add individual businesses, cooperatives or "
                "private non-enterprise units for some."
            ),
        ),
        Field(
            "district",
            N_("In which district is it registered (or will it be)?"),
            Kind.DISTRICT,
            label=N_("District"),
            help=N_(
                "The district where the business is or will be registered; type its name or tap it. "
                "Why: you apply there: subsidies go to the human resources and social security "
                "departments of the district (Art. 36, 38)."
            ),
        ),
        Field(
            "insured_staff",
            N_(
                "How many staff have social insurance paid by the business? "
                "Type a number, e.g. 3 (0 if none)."
            ),
            Kind.NUMBER,
            when=_registered,
            depends_on=("registered",),
            limits={"maximum": 100000},
            label=N_("Insured staff"),
            help=N_(
                "How many employees the business itself pays social insurance for, as its payment "
                "record shows (print it from One-Netcom, 一网通办); 0 if none. Why: the social "
                "insurance subsidy for start-up organisations (Art. 38) is counted on them."
            ),
        ),
        Field(
            "insured_months",
            N_("How many months has your longest-serving insured employee worked for you? E.g. 8."),
            Kind.NUMBER,
            when=lambda a: _registered(a) and (a.get("insured_staff") or 0) > 0,
            depends_on=("registered", "insured_staff"),
            limits={"maximum": 600},
            label=N_("Months employed"),
            help=N_(
                "How many months your longest-serving insured employee has worked for you, from the "
                "labour contract or the social insurance record. Why: under Shanghai's rules the "
                "social insurance subsidy (Art. 38) needs staff employed for a minimum time; the "
                "results will say if it is too short."
            ),
        ),
        Field(
            "lease",
            N_("Do you have a lease for the business premises?"),
            Kind.YESNO,
            label=N_("Premises lease"),
            help=N_(
                "Whether the business rents its premises under a lease (租赁合同). Why: the startup "
                "premises rent subsidy (Art. 36) is for rented premises, and the office will ask "
                "for the lease."
            ),
        ),
        Field(
            "dishonest",
            N_("Are you listed as a dishonest judgment debtor (失信被执行人)?"),
            Kind.YESNO,
            label=N_("Listed as dishonest judgment debtor"),
            help=N_(
                "Whether a court lists you as a dishonest judgment debtor (失信被执行人); check on "
                "China Enforcement Information Disclosure (zxgk.court.gov.cn) or Credit China "
                "(creditchina.gov.cn). Why: under Shanghai's loan rules, startup guarantee loans "
                "(Art. 37) are not for listed debtors."
            ),
        ),
    )


def _agreed(answers: Answers) -> bool:
    return answers.get("consent") == "agree"


def _programme_needs(policy: PolicyData, name: str) -> Callable[[Answers], bool]:
    def needs(answers: Answers) -> bool:
        try:
            programme = policy.programme(str(answers.get("programme", "")))
        except KeyError:
            return False
        return _agreed(answers) and name in programme.fields

    return needs


def form_fields(
    credit_code: Parser, loan_check: Callable[[Any, Answers], None], policy: PolicyData
) -> tuple[Field, ...]:
    """The application form: asked only after consent; personal data masked on screens."""
    consent = ("consent",)
    return (
        Field(
            "applicant_name",
            N_("Your full name, as on your ID card:"),
            Kind.TEXT,
            when=_agreed,
            depends_on=consent,
            limits={
                "max_len": 40,
                "letters": True,
                "too_long": N_(
                    "A full name has at most {max_len} characters here, like 欧阳娜娜 or Zhang "
                    "San. Please type it exactly as on your ID card."
                ),
                "unreadable": N_(
                    "Please type your full name in Chinese characters or letters, as on your ID "
                    "card, e.g. 张三 or Zhang San."
                ),
            },
            label=N_("Name"),
            help=N_(
                "Your full name exactly as on your resident ID card (居民身份证). Why: the office "
                "checks it against your ID number."
            ),
        ),
        Field(
            "id_number",
            N_("Your 18-character resident ID number:"),
            Kind.TEXT,
            when=_agreed,
            depends_on=consent,
            mask=mask_id,
            label=N_("Resident ID number"),
            help=N_(
                "The 18-character number on the photo side of your resident ID card; the last "
                "character may be X. Why: the office identifies you by it. It is stored encrypted "
                "and shown masked."
            ),
            parse=lambda text, ctx: validators.parse_resident_id(text, today=ctx.today),
        ),
        Field(
            "mobile",
            N_("Your mobile number, e.g. 13812345678:"),
            Kind.TEXT,
            when=_agreed,
            depends_on=consent,
            mask=mask_mobile,
            label=N_("Mobile number"),
            help=N_(
                "A mainland mobile number where the office can reach you about this application; "
                "+86 is fine. It is stored encrypted and shown masked."
            ),
            parse=lambda text, ctx: validators.parse_mobile(text),
        ),
        Field(
            "company_name",
            N_("The business's registered name, as on the licence:"),
            Kind.TEXT,
            when=lambda a: _agreed(a) and _registered(a),
            depends_on=("consent", "registered"),
            limits={
                "max_len": 100,
                "letters": True,
                "too_long": N_(
                    "A registered business name has at most {max_len} characters here, like "
                    "上海某某科技有限公司. Please type it exactly as on the licence."
                ),
                "unreadable": N_(
                    "Please type the business's registered name in characters or letters, as on "
                    "the licence, e.g. 上海某某科技有限公司."
                ),
            },
            label=N_("Business name"),
            help=N_(
                "The registered name (名称) exactly as on the business licence, e.g. "
                "上海某某科技有限公司. Why: the office finds your business by it and its credit code."
            ),
        ),
        Field(
            "credit_code",
            N_("Its 18-character unified social credit code (USCC):"),
            Kind.TEXT,
            when=lambda a: _agreed(a) and _registered(a),
            depends_on=("consent", "registered"),
            parse=credit_code,
            label=N_("USCC"),
            help=N_(
                "The 18-character unified social credit code (统一社会信用代码) printed on the "
                "business licence; you can also look it up on the National Enterprise Credit "
                "Information Publicity System (gsxt.gov.cn)."
            ),
        ),
        Field(
            "lease_months",
            N_("How many months does the lease run? E.g. 24."),
            Kind.NUMBER,
            when=_programme_needs(policy, "lease_months"),
            depends_on=("programme", "consent"),
            limits={"minimum": 1, "maximum": 240},
            label=N_("Lease period (months)"),
            help=N_(
                "The months from the start to the end of your lease, as the contract states, "
                "e.g. 24. Why: the rent subsidy (Art. 36) is worked out over the lease; the office "
                "checks the contract."
            ),
        ),
        Field(
            "monthly_rent",
            N_("What is the monthly rent in CNY? E.g. 6000."),
            Kind.MONEY,
            when=_programme_needs(policy, "monthly_rent"),
            depends_on=("programme", "consent"),
            label=N_("Monthly rent"),
            help=N_(
                "The monthly rent the lease contract states, in CNY, e.g. 6000. Why: the office "
                "works out the rent subsidy (Art. 36) from it."
            ),
        ),
        Field(
            "loan_amount",
            N_("How much do you want to borrow, in CNY? E.g. 300000."),
            Kind.MONEY,
            when=_programme_needs(policy, "loan_amount"),
            depends_on=("programme", "consent"),
            check=loan_check,
            limits={"minimum": 1},
            label=N_("Loan amount"),
            help=N_(
                "How much you want to borrow, in CNY. Why: startup guarantee loans (Art. 37) have "
                "a cap that depends on whether you borrow as an individual or as a start-up "
                "organisation; the guarantee agency and the bank decide the amount."
            ),
        ),
    )


def document_fields(policy: PolicyData) -> tuple[Field, ...]:
    """One upload step per document the data knows, shown when the chosen programme needs it."""

    def needed(document_id: str) -> Callable[[Answers], bool]:
        def when(answers: Answers) -> bool:
            if not _agreed(answers):
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
