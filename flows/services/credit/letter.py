"""The credit commitment letter (信用承诺书): the record as the letter names it, the letter
filled from the answers and the policy data's text in both languages, the screen showing it."""

from __future__ import annotations

from collections.abc import Sequence

from flows.engine.outcome import Block
from flows.engine.spec import Answers, Context, Option
from flows.engine.text import N_, Localized, Text
from flows.policy.credit_data import fill


def record_phrase(answers: Answers, ctx: Context) -> Localized:
    """The record as the letter names it, in both languages."""
    record = ctx.policy.credit_record(str(answers["record_type"]))
    common = {
        "date": str(answers.get("decided_on") or answers.get("listed_on") or ""),
        "number": str(answers.get("decision_no") or ""),
        "note": str(answers.get("record_note") or ""),
    }
    zh, en = dict(common, authority="", reason=""), dict(common, authority="", reason="")
    authority = answers.get("authority")
    if isinstance(authority, str):
        try:
            name = ctx.policy.credit_authority(authority).name
            zh["authority"], en["authority"] = name.zh, name.en
        except KeyError:  # typed by the founder
            zh["authority"] = en["authority"] = authority
    if isinstance(answers.get("abnormal_reason"), str):
        try:
            title = ctx.policy.abnormal_reason(str(answers["abnormal_reason"])).title
            zh["reason"], en["reason"] = title.zh, title.en
        except KeyError:
            pass
    return Localized(fill(record.phrase.zh, zh), fill(record.phrase.en, en))


def letter_text(answers: Answers, ctx: Context) -> Localized:
    """The commitment letter's text, filled, in both languages (the Chinese one is filed)."""
    letter = ctx.policy.commitment("credit_repair")
    record = record_phrase(answers, ctx)
    values = {
        "company": str(answers.get("company_name", "")),
        "credit_code": str(answers.get("credit_code", "")),
    }
    return Localized(
        letter.filled("zh_CN", record=record.zh, **values),
        letter.filled("en", record=record.en, **values),
    )


def letter_screen(answers: Answers, ctx: Context) -> Sequence[Block]:
    """The letter as it will be filed, in the founder's language."""
    if not {"company_name", "credit_code", "record_type"} <= answers.keys():
        return []
    heading = Text(
        N_(
            "📝 Your credit commitment letter (信用承诺书). The office gets it in Chinese, as a "
            "PDF, with the time you confirm:"
        )
    )
    return [heading, letter_text(answers, ctx)]


COMMIT = (
    Option(
        "confirmed",
        N_("✍️ I make this commitment"),
        ("i commit", "commit", "confirm", "我承诺", "承诺", "确认"),
    ),
)
