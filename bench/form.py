"""The benchmark's 12-question form, written both ways: as a `FlowSpec` for our engine, and the
answers a founder gives (typed or tapped), shared by our side and the baseline.

Every prompt and label is a msgid of the real catalogs, so our renderer translates it as in
production; ID and mobile numbers are masked and sealed at rest as in the subsidy flow.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.engine import validators
from flows.engine.spec import Answers, Completion, Context, Field, FlowSpec, Kind
from flows.engine.text import N_, Text
from flows.engine.validators import mask_mobile
from flows.policy.loader import PolicyData
from flows.services.registration import FORMS, PREMISES
from flows.services.subsidy.fields import ORG_TYPES, mask_id

FLOW_ID, FLOW_CODE = "benchform", "bf"
ID_NUMBER = "11010519491231002X"


def _complete(answers: Answers, ctx: Context) -> Completion:
    return Completion(blocks=((Text(N_("✅ Your registration checklist")),),))


def build(policy: PolicyData) -> FlowSpec:
    """Choices, free text, a validated resident ID number, a number, a date, a district, yes/no."""
    return FlowSpec(
        id=FLOW_ID,
        code=FLOW_CODE,
        icon="🧪",
        articles=(2, 9),
        title=N_("Registration guidance"),
        intro=N_(
            "Registration guidance (Art. 2, 9, 34, 35 of the Regulations): a few questions about your planned "
            "business, then a personalised checklist: your SME size, the steps and materials to register, "
            "and the policies that fit you. About 2 minutes."
        ),
        fields=(
            Field("business_form", N_("Which business form do you plan to register?"),
                  Kind.CHOICE, FORMS, label=N_("Business form")),
            Field("premises", N_("Do you have premises for the registered address?"),
                  Kind.CHOICE, PREMISES, columns=1, label=N_("Premises")),
            Field("applicant_name", N_("Your full name, as on your ID card:"), Kind.TEXT,
                  limits={"max_len": 40}, label=N_("Name")),
            Field("id_number", N_("Your 18-character resident ID number:"), Kind.TEXT,
                  mask=mask_id, label=N_("Resident ID number"),
                  parse=lambda text, ctx: validators.parse_resident_id(text, today=ctx.today)),
            Field("mobile", N_("Your mobile number, e.g. 13812345678:"), Kind.TEXT,
                  mask=mask_mobile, label=N_("Mobile number"),
                  parse=lambda text, ctx: validators.parse_mobile(text)),
            Field("company_name", N_("The business's registered name, as on the licence:"),
                  Kind.TEXT, limits={"max_len": 100}, label=N_("Business name")),
            Field("staff", N_("How many staff do you expect to employ? Type a number, e.g. 8."),
                  Kind.NUMBER, limits={"maximum": 1_000_000}, label=N_("Staff")),
            Field("registered_on", N_("On which date was it registered? E.g. 2025-03-15."),
                  Kind.DATE, limits={"not_future": True}, label=N_("Registration date")),
            Field("org_type", N_("What kind of organisation is it (or will it be)?"),
                  Kind.CHOICE, ORG_TYPES, columns=1, label=N_("Organisation type")),
            Field("district", N_("In which district is it registered (or will it be)?"),
                  Kind.DISTRICT, label=N_("District")),
            Field("first_business", N_("Is this your first business in Shanghai?"), Kind.YESNO,
                  label=N_("First business in Shanghai")),
            Field("lease", N_("Do you have a lease for the business premises?"), Kind.YESNO,
                  label=N_("Premises lease")),
        ),
        complete=_complete,
    )  # fmt: skip


@dataclass(frozen=True)
class Answer:
    """One step of a founder's form: the field, what the founder does (type or tap) and what
    must end up stored."""

    field: str
    typed: str | None = None  # typed text, else a tap on the button with value `tap`
    tap: str = ""
    stored: object = None


def answers_of(user_id: int) -> list[Answer]:
    """The 12 answers founder `user_id` gives, in order; fields 3-7 are typed (the burst)."""
    mobile = f"139{user_id % 100_000_000:08d}"
    return [
        Answer("business_form", tap="llc", stored="llc"),
        Answer("premises", tap="leased", stored="leased"),
        Answer("applicant_name", typed=f"张{user_id}", stored=f"张{user_id}"),
        Answer("id_number", typed=ID_NUMBER, stored=ID_NUMBER),
        Answer("mobile", typed=mobile, stored=mobile),
        Answer("company_name", typed=f"上海示例{user_id}科技有限公司", stored=f"上海示例{user_id}科技有限公司"),
        Answer("staff", typed=str(5 + user_id % 50), stored=5 + user_id % 50),
        Answer("registered_on", typed="2025-03-15", stored="2025-03-15"),
        Answer("org_type", tap="small_micro", stored="small_micro"),
        Answer("district", tap="xuhui", stored="xuhui"),
        Answer("first_business", tap="yes", stored=True),
        Answer("lease", tap="no", stored=False),
    ]  # fmt: skip


BURST = slice(
    2, 7
)  # the five typed answers a burst sends at once: name, ID, mobile, company, staff
