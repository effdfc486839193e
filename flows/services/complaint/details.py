"""The complaint itself (whom it is about, what happened and when, the money, the evidence,
the outcome wanted) and real-name or anonymous."""

from __future__ import annotations

from flows.engine import validators
from flows.engine.spec import Answers, Field, Kind, Option
from flows.engine.text import N_
from flows.engine.validators import mask_mobile
from flows.policy.arrears import AMOUNT_MINIMUM
from flows.services.complaint.fields import RESPONDENTS, money, not_arrears
from flows.services.complaint.help import HELP
from flows.services.complaint.screens import identity_screen

IDENTITIES = (
    Option("real_name", N_("👤 Real-name complaint"), ("实名", "实名投诉", "real name", "named")),
    Option("anonymous", N_("🕶 Anonymous tip-off"), ("匿名", "匿名举报", "举报", "anonymous")),
)
DESCRIPTION_CHARS = 3000


def real_name(answers: Answers) -> bool:
    """Whether the founder chose a real-name complaint (contact details are asked)."""
    return answers.get("identity") == "real_name"


def complaint_fields() -> tuple[Field, ...]:
    """Whom it is about, what happened and when, the money, the evidence, the outcome wanted."""
    return (
        Field(
            "respondent_type",
            N_("Whom is your complaint about?"),
            Kind.CHOICE,
            RESPONDENTS,
            columns=2,
            when=not_arrears,
            depends_on=("category",),
            label=N_("Complaint about"),
            help=HELP["respondent_type"],
        ),
        Field(
            "respondent",
            N_("Their full name, e.g. 上海市某某局 or 某某集团有限公司:"),
            Kind.TEXT,
            limits={
                "max_len": 100,
                "letters": True,
                "too_long": N_(
                    "A name has at most {max_len} characters here. Please type the name as on "
                    "their notices or contract, e.g. 某某集团有限公司."
                ),
                "unreadable": N_(
                    "Please type the name in characters or letters, e.g. 上海市某某局 or "
                    "某某集团有限公司: symbols alone can't be passed on."
                ),
            },
            label=N_("Name of the body or business"),
            help=HELP["respondent"],
        ),
        Field(
            "description",
            N_(
                "What happened? Describe it in your own words; you can send several "
                "messages. Tap ✅ Done when you have finished."
            ),
            Kind.NOTES,
            limits={
                "max_len": DESCRIPTION_CHARS,
                "warn_left": 300,
                "shown": 240,  # on the review: the office gets it whole
                "unreadable": N_(
                    "Please describe what happened in words: emoji or punctuation alone can't "
                    "be passed on."
                ),
            },
            label=N_("What happened"),
            help=HELP["description"],
        ),
        Field(
            "happened_on",
            N_("When did it happen (or begin)? E.g. 2026-10-15."),
            Kind.DATE,
            limits={"not_future": True},
            label=N_("When it happened"),
            help=HELP["happened_on"],
        ),
        Field(
            "amount",
            N_("How much money is involved, in CNY? E.g. 5000. Tap Skip if none."),
            Kind.MONEY,
            optional=True,
            when=not_arrears,
            depends_on=("category",),
            parse=lambda text, ctx: money(text, AMOUNT_MINIMUM),
            label=N_("Amount involved"),
            help=HELP["amount"],
        ),
        Field(
            "evidence",
            N_(
                "Send photos or PDFs of your evidence (several are fine), then tap Done. Tap "
                "Skip if you have none."
            ),
            Kind.FILE,
            optional=True,
            label=N_("Evidence"),
            help=HELP["evidence"],
        ),
        Field(
            "outcome",
            N_("What do you want to achieve? E.g. payment of what is owed, or a refund."),
            Kind.TEXT,
            limits={
                "max_len": 500,
                "shown": 120,
                "too_long": N_(
                    "Please say what you want in at most {max_len} characters; the details "
                    "belong in the description."
                ),
            },
            label=N_("Outcome wanted"),
            help=HELP["outcome"],
        ),
    )


def identity_fields() -> tuple[Field, ...]:
    """Real-name complaint (contact details, offered from the profile) or anonymous tip-off
    (nothing asked, nothing offered)."""
    return (
        Field(
            "identity",
            N_("A real-name complaint or an anonymous tip-off?"),
            Kind.CHOICE,
            IDENTITIES,
            columns=1,
            intro=identity_screen,
            label=N_("Complaint or tip-off"),
            help=HELP["identity"],
        ),
        Field(
            "applicant_name",
            N_("Your full name, as on your ID card:"),
            Kind.TEXT,
            when=real_name,
            depends_on=("identity",),
            suggest=lambda answers, ctx: ctx.profile.get("applicant_name"),
            limits={
                "max_len": 40,
                "letters": True,
                "unreadable": N_(
                    "Please type your full name in Chinese characters or letters, e.g. 张三 or "
                    "Zhang San."
                ),
            },
            label=N_("Name"),
            help=HELP["applicant_name"],
        ),
        Field(
            "mobile",
            N_("Your mobile number, e.g. 13812345678:"),
            Kind.TEXT,
            when=real_name,
            depends_on=("identity",),
            suggest=lambda answers, ctx: ctx.profile.get("mobile"),
            mask=mask_mobile,
            parse=lambda text, ctx: validators.parse_mobile(text),
            label=N_("Mobile number"),
            help=HELP["mobile"],
        ),
    )
