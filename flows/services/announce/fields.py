"""The composer's questions: options, the caption limit, the send time, the audience."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flows.engine.errors import ValidationFailed
from flows.engine.periods import SHANGHAI
from flows.engine.spec import (
    Answers,
    Context,
    Field,
    Kind,
    Option,
)
from flows.engine.text import N_
from flows.services.announce.help import HELP

# A founder's messages stay within 1,200 characters (a phone's screenful; Telegram itself
# allows 4,096): the text goes as one message of its own, the file after it.
TEXT_LIMIT = 1200
AHEAD = dt.timedelta(days=90)  # how far ahead an announcement may be scheduled
LINKS = (
    Option("none", N_("No button"), ("none", "no", "无", "不要")),
    Option("registration", N_("📋 Registration guidance"), ("registration", "登记")),
    Option("subsidy", N_("💰 Startup subsidies and loans"), ("subsidy", "补贴")),
    Option("complaint", N_("📣 Complaints and tip-offs"), ("complaint", "投诉")),
    Option("credit", N_("🧾 Credit repair"), ("credit", "信用修复")),
)
# "some" reads as an answer on the summary too ("Audience: Only some of them")
SOME = Option("some", N_("Only some of them"), ("choose", "some", "choose who", "选择", "部分"))
WHO = (Option("all", N_("All subscribers"), ("all", "everyone", "全部", "所有人")), SOME)
# a commissioner limited to districts (`Context.districts`) is offered no wider audience
WHO_LIMITED = (
    Option("all", N_("All subscribers in my districts"), ("all", "everyone", "全部", "所有人")),
    SOME,
)
WHEN = (
    Option("now", N_("After the preview"), ("now", "立即", "现在")),
    Option("later", N_("At a time I choose"), ("later", "schedule", "定时", "稍后")),
)
SIZES = (
    Option("micro", N_("Micro"), ("微型",)),
    Option("small", N_("Small"), ("小型",)),
    Option("medium", N_("Medium"), ("中型",)),
)


def text_field(name: str, prompt: str, label: str, *, optional: bool = False) -> Field:
    return Field(
        name,
        prompt,
        Kind.TEXT,
        optional=optional,
        limits={
            "max_len": TEXT_LIMIT,
            "shown": 160,
            "too_long": N_(
                "An announcement has at most {max_len} characters, so that founders can read it "
                "on a phone (Telegram itself allows 4,096); this one has {length}. Please "
                "shorten it."
            ),
        },
        label=label,
        help=HELP[name],
    )


def send_time(text: str, ctx: Context) -> str:
    """'2026-12-02 09:00' (Shanghai time), written the same way; in the future, within AHEAD."""
    try:
        moment = dt.datetime.strptime(" ".join(text.split()), "%Y-%m-%d %H:%M")
    except ValueError:
        raise ValidationFailed(
            N_("Please type a date and time like {example} (Shanghai time)."),
            example="2026-12-02 09:00",
        ) from None
    at = moment.replace(tzinfo=SHANGHAI)
    now = dt.datetime.fromtimestamp(ctx.now, SHANGHAI)
    if not now < at <= now + AHEAD:
        raise ValidationFailed(
            N_("Please choose a time after now and within {days} days."), days=AHEAD.days
        )
    return at.strftime("%Y-%m-%d %H:%M")


def epoch(shown: str) -> float:
    """A `send_time` answer as epoch seconds."""
    moment = dt.datetime.strptime(shown, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    return moment.timestamp()


def choosing(answers: Answers) -> bool:
    return answers.get("who") == "some"


def who_options(answers: Answers, ctx: Context) -> tuple[Option, ...]:
    """Everyone, or only the commissioner's districts when their role is limited to some."""
    return WHO_LIMITED if ctx.districts else WHO


def allowed(options: tuple[Option, ...]) -> Callable[[Answers, Context], tuple[Option, ...]]:
    """The districts offered: those the commissioner may send to (all when not limited)."""

    def offered(answers: Answers, ctx: Context) -> tuple[Option, ...]:
        if not ctx.districts:
            return options
        return tuple(o for o in options if o.value in ctx.districts)

    return offered


def audience_field(
    name: str,
    prompt: str,
    label: str,
    options: tuple[Option, ...],
    choices: Callable[[Answers, Context], tuple[Option, ...]] | None = None,
) -> Field:
    return Field(
        name,
        prompt,
        Kind.MULTI,
        options,
        optional=True,
        columns=4 if name == "districts" else 2,
        when=choosing,
        depends_on=("who",),
        label=label,
        help=HELP[name],
        choices=choices,
    )
