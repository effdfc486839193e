"""A policy announcement composed by a service commissioner (服务专员, Art. 11; the policy
interpretation of Art. 9): an optional attachment, the text in Chinese and optionally
English, a link button into a service, the audience, and when to send it. Its completion is an
`Announcement`; the broadcast desk shows the preview exactly as founders will see it, with the
number of recipients, and sends, schedules or discards it. Only commissioners open it (the
shell checks the role the founder's turn read from Redis)."""

from __future__ import annotations

from flows.engine.districts import DISTRICTS
from flows.engine.spec import (
    Announcement,
    Answers,
    Completion,
    Context,
    Field,
    FlowSpec,
    Kind,
    Option,
)
from flows.engine.text import N_, Localized, Text
from flows.policy.loader import PolicyData
from flows.services.announce.fields import (
    LINKS,
    SIZES,
    WHEN,
    WHO,
    allowed,
    audience_field,
    choosing,
    epoch,
    send_time,
    text_field,
    who_options,
)
from flows.services.announce.help import HELP

FLOW_ID = "announce"
AUDIENCE = "who"  # the step the desk sends the commissioner back to (nobody matched, a limit)


def build(policy: PolicyData) -> FlowSpec:
    """The composer; districts, industries and topics come from the data."""
    industries = tuple(Option(i.code, i.name) for i in policy.industries)
    districts = tuple(Option(d.code, Localized(d.short_zh, d.short_en)) for d in DISTRICTS)
    topics = tuple(Option(t.id, t.title) for t in getattr(policy, "topics", ()))
    fields = (
        Field(
            "attachment",
            N_("Send a photo or PDF to attach to the announcement, or tap Skip."),
            Kind.FILE,
            optional=True,
            limits={"max_files": 1},
            label=N_("Attachment"),
            help=HELP["attachment"],
        ),
        text_field("text_zh", N_("The announcement in Chinese:"), N_("Text (Chinese)")),
        text_field(
            "text_en",
            N_("The announcement in English, or Skip:"),
            N_("Text (English)"),
            optional=True,
        ),
        Field(
            "link",
            N_("A button into a service under it?"),
            Kind.CHOICE,
            LINKS,
            columns=1,
            label=N_("Button"),
            help=HELP["link"],
        ),
        Field(
            AUDIENCE,
            N_("Who gets it?"),
            Kind.CHOICE,
            WHO,
            label=N_("Audience"),
            help=HELP["who"],
            choices=who_options,
        ),
        *((audience_field("topics", N_("Which topics?"), N_("Topics"), topics),) if topics else ()),
        audience_field(
            "districts", N_("Which districts?"), N_("Districts"), districts, allowed(districts)
        ),
        audience_field("industries", N_("Which industries?"), N_("Industries"), industries),
        audience_field("sizes", N_("Which sizes of business?"), N_("Sizes"), SIZES),
        Field(
            "when",
            N_("When should it go out?"),
            Kind.CHOICE,
            WHEN,
            label=N_("Sending"),
            help=HELP["when"],
        ),
        Field(
            "send_at",
            N_("At what time (Shanghai)? E.g. 2026-12-02 09:00."),
            Kind.TEXT,
            parse=send_time,
            when=lambda a: a.get("when") == "later",
            depends_on=("when",),
            label=N_("Send at"),
            help=HELP["send_at"],
        ),
    )

    def complete(answers: Answers, ctx: Context) -> Completion:
        texts = {"zh_CN": str(answers["text_zh"])}
        if answers.get("text_en"):
            texts["en"] = str(answers["text_en"])
        chosen = {
            dimension: tuple(answers.get(dimension) or ())
            for dimension in ("topics", "districts", "industries", "sizes")
            if choosing(answers) and answers.get(dimension)
        }
        if ctx.districts and not chosen.get("districts"):  # every one of theirs, said outright
            chosen["districts"] = tuple(ctx.districts)
        attachment = (answers.get("attachment") or [None])[0]
        send_at = answers.get("send_at") if answers.get("when") == "later" else None
        done = (Text(N_("Here is the announcement as founders will see it:")),)
        return Completion(
            blocks=(done,),
            announcement=Announcement(
                texts=texts,
                attachment=attachment,
                link="" if answers.get("link") == "none" else str(answers.get("link")),
                audience=chosen,
                send_at=epoch(str(send_at)) if send_at is not None else None,
            ),
        )

    return FlowSpec(
        id=FLOW_ID,
        code="ann",
        icon="📢",
        articles=(9, 11),
        title=N_("Policy announcement"),
        intro=N_(
            "A policy announcement to the founders who subscribed (Art. 9, 11 of the "
            "Regulations): the text in Chinese and optionally English, an attachment, a button "
            "into a service, who gets it and when. You see a preview with the number of "
            "recipients before anything is sent."
        ),
        fields=fields,
        complete=complete,
        desk=FLOW_ID,
        declaration=N_("✅ Confirm shows the preview; nothing is sent yet."),
        review_help=N_(
            "Tap ✏️ and an answer to change it. ✅ Confirm shows the announcement exactly as "
            "founders will see it, with the number of recipients; you then send, schedule or "
            "discard it."
        ),
    )
