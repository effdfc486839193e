"""Startup subsidy applications (Art. 36–38): eligibility, the chosen programme's form,
consent before any ID number, documents, review, submission to the receiving office."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, cast

from transitions import EventData

from flows.engine.confirming import credit_code_answer
from flows.engine.errors import ValidationFailed
from flows.engine.spec import (
    Answers,
    Completion,
    Context,
    Field,
    FlowSpec,
    Kind,
    Option,
    SubmissionRequest,
)
from flows.engine.text import DECLARATION, N_, Text
from flows.policy.citing import office_label
from flows.policy.loader import PolicyData
from flows.services.subsidy.fields import document_fields, eligibility_fields
from flows.services.subsidy.form import form_fields
from flows.services.subsidy.help import HELP
from flows.services.subsidy.screens import consent_screen, eligible_choices, results_screen

CONSENT = (
    Option("agree", N_("✅ I agree"), ("agree", "yes", "ok", "同意", "我同意", "是", "好", "可以")),
    Option("decline", N_("I do not agree"), ("disagree", "no", "不同意", "我不同意", "否", "不")),
)


def declined(event: EventData) -> bool:
    """Branch guard: without consent the flow stays at the consent step."""
    return bool(cast(Any, event.model).draft.answers.get("consent") == "decline")


def loan_cap(policy: PolicyData) -> Callable[[Any, Answers], None]:
    """Check a requested loan against the programme's cap when the cap is verified data.

    The stored cap is the one for individuals (not registered yet, or an individual
    business); start-up organisations have higher caps that the data does not hold, so their
    amounts are left to the office.
    """
    cap = policy.programme("startup_loan").quotable_cap

    def check(value: Any, answers: Answers) -> None:
        individual = (
            answers.get("registered") is not True or answers.get("org_type") == "individual"
        )
        if cap is not None and individual and Decimal(str(value)) > cap.amount:
            raise ValidationFailed(
                N_(
                    "Individuals can borrow at most ¥{cap} under this loan. Please enter an "
                    "amount up to that, e.g. 200000."
                ),
                cap=f"{cap.amount:,}",
            )

    return check


def complete(answers: Answers, ctx: Context) -> Completion:
    """The submission for the receiving office, and the founder's confirmation."""
    programme = ctx.policy.programme(str(answers["programme"]))
    district = str(answers.get("district", ""))
    attachments = tuple(
        {**f, "document": name.removeprefix("doc_")}
        for name, files in answers.items()
        if name.startswith("doc_") and files
        for f in files
    )
    office = office_label(ctx.policy, programme.office, district, programme.office_confidence)
    done = (
        Text(N_("✅ Application submitted.")),
        Text(N_("Reference number: {reference}"), {"reference": ctx.submission_reference}),
        Text(
            N_(
                "It goes to {office}. Status: submitted. The office will tell you how long it "
                "takes; you will get a message here each time it acts on your application, and "
                "you can check it any time under 🗂 My applications."
            ),
            {"office": office},
        ),
    )
    return Completion(
        blocks=(done,),
        profile={name: answers[name] for name in REMEMBERED if name in answers},
        submission=SubmissionRequest(
            programme=programme.id,
            office=programme.office,
            district=district,
            answers=dict(answers),
            attachments=attachments,
        ),
    )


# What a submitted application leaves in the founder's profile for the next one (the ID number
# and mobile sealed there like everywhere else), to confirm rather than type again.
REMEMBERED = tuple(f.name for f in eligibility_fields()) + (
    "applicant_name",
    "id_number",
    "mobile",
    "company_name",
    "credit_code",
)


def prefill(profile: Mapping[str, Any]) -> dict[str, Any]:
    """Answers registration guidance and earlier applications gave; the founder confirms or
    corrects each."""
    found: dict[str, Any] = {}
    if profile.get("district"):
        found["district"] = profile["district"]
    if profile.get("premises") in ("owned", "leased", "none"):
        found["lease"] = profile["premises"] == "leased"
    if profile.get("business_form") == "individual":
        found["org_type"] = "individual"
    elif profile.get("size") in ("micro", "small"):
        found["org_type"] = "small_micro"
    groups = profile.get("groups") or []
    if len(groups) == 1:
        found["applicant"] = groups[0]
    return found | {name: profile[name] for name in REMEMBERED if name in profile}


def build(policy: PolicyData) -> FlowSpec:
    """The subsidy application flow; its document steps come from the policy data."""
    fields: tuple[Field, ...] = (
        *eligibility_fields(),
        Field(
            "programme",
            N_("Which programme do you want to apply for?"),
            Kind.CHOICE,
            intro=results_screen,
            choices=eligible_choices,
            columns=1,
            label=N_("Programme"),
            help=HELP["programme"],
            depends_on=tuple(f.name for f in eligibility_fields()),
        ),
        Field(
            "consent",
            N_("Do you agree?"),
            Kind.CHOICE,
            CONSENT,
            intro=consent_screen,
            depends_on=("programme",),
            label=N_("Consent to personal data use"),
            help=HELP["consent"],
            part=N_("Application"),
            counted=False,
            presume="agree",
        ),
        *form_fields(credit_code_answer, loan_cap(policy), policy),
        *document_fields(policy),
    )
    return FlowSpec(
        id="subsidy",
        code="sub",
        icon="💰",
        articles=(36, 37, 38),
        title=N_("Startup subsidies and loans"),
        synonyms=("subsidy", "subsidies", "loan", "补贴", "贷款", "创业补贴"),
        intro=N_(
            "Startup subsidy application (Art. 36–38 of the Regulations): first a few "
            "questions to check which programmes fit you, then the application form, your "
            "documents and a review before you submit. About 5 minutes."
        ),
        fields=fields,
        complete=complete,
        prefill=prefill,
        declaration=DECLARATION,
        review_help=N_(
            "Check each answer; tap ✏️ and an answer to change it (the questions that depend on it "
            "are asked again). ✅ Confirm submits the application to the office: it cannot be "
            "changed afterwards, but the office can ask you for more."
        ),
        branches=(
            {"trigger": "next", "source": "consent", "dest": "consent", "conditions": [declined]},
        ),
    )
