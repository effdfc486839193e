"""The commissioner's composer on its own: the texts within a founder's limit (1,200, within Telegram's
4,096; the text goes as a message of its own, also beside an attachment), one attachment at most, the link, the audience, the send time;
its completion is the `Announcement` the broadcast desk previews."""

from __future__ import annotations

import dataclasses
import datetime as dt

from test_subsidy_flow import Founder

from flows.engine.address import Address
from flows.engine.draft import SUMMARY, Draft, FounderState
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.outcome import Action, Op, Reply
from flows.engine.periods import SHANGHAI
from flows.engine.runner import FlowRunner
from flows.engine.spec import Context
from flows.engine.text import spellings
from flows.policy.loader import load_policy_data
from flows.services.announce.flow import build

POLICY = load_policy_data()
NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=SHANGHAI).timestamp()
CTX = Context(policy=POLICY, today=dt.date(2026, 12, 1), now=NOW)


def tap(runner: FlowRunner, draft: Draft, op: Op, value: str = "") -> Event:
    step = str(runner.spec.index(draft.step)) if draft.step != SUMMARY else "s"
    return Event.of_action(Action(op, runner.spec.code, step, value))


def said(reply: Reply) -> str:
    return "\n".join(spellings(b)["en"] for b in reply.blocks)


def send(runner: FlowRunner, draft: Draft, event: Event) -> Reply:
    return runner.handle(draft, event, CTX).replies[-1]


def pdf(n: int) -> Event:
    file = FileRef(f"F{n}", f"notice-{n}.pdf", "application/pdf", 2000, f"U{n}", "application/pdf")
    return Event(EventKind.FILE, file=file)


def test_an_announcement_to_some_founders_later() -> None:
    runner = FlowRunner(build(POLICY))
    draft = runner.begin(0)
    send(runner, draft, tap(runner, draft, Op.SKIP))
    send(runner, draft, Event.of_text("浦东新区2027年创业补贴申报开始。"))
    send(runner, draft, tap(runner, draft, Op.SKIP))
    send(runner, draft, tap(runner, draft, Op.PICK, "subsidy"))
    send(runner, draft, tap(runner, draft, Op.PICK, "some"))
    while draft.step != "districts":
        send(runner, draft, tap(runner, draft, Op.DONE))  # topics: any
    for code in ("pudong", "xuhui"):
        send(runner, draft, tap(runner, draft, Op.PICK, code))
    send(runner, draft, tap(runner, draft, Op.DONE))
    send(runner, draft, tap(runner, draft, Op.DONE))  # industries: any
    send(runner, draft, tap(runner, draft, Op.PICK, "small"))
    send(runner, draft, tap(runner, draft, Op.DONE))
    send(runner, draft, tap(runner, draft, Op.PICK, "later"))
    refused = send(runner, draft, Event.of_text("2026-12-01 09:00"))  # in the past
    assert "after now" in said(refused) and "send_at" not in draft.answers
    refused = send(runner, draft, Event.of_text("tomorrow morning"))
    assert "2026-12-02 09:00" in said(refused)
    send(runner, draft, Event.of_text("2026-12-02  9:00"))
    assert draft.answers["send_at"] == "2026-12-02 09:00" and draft.step == SUMMARY
    done = runner.handle(draft, tap(runner, draft, Op.CONFIRM), CTX).completion
    assert done is not None and done.announcement is not None
    found = done.announcement
    assert found.texts == {"zh_CN": "浦东新区2027年创业补贴申报开始。"}
    assert found.link == "subsidy" and found.attachment is None
    assert found.audience == {"districts": ("xuhui", "pudong"), "sizes": ("small",)}  # data order
    assert found.send_at == dt.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI).timestamp()


def test_texts_are_held_to_telegram_s_limits_naming_them() -> None:
    runner = FlowRunner(build(POLICY))
    draft = runner.begin(0)
    send(runner, draft, tap(runner, draft, Op.SKIP))
    refused = send(runner, draft, Event.of_text("政" * 4097))  # over Telegram's limit
    assert "1200" in said(refused) and "4097" in said(refused) and draft.step == "text_zh"
    refused = send(runner, draft, Event.of_text("政" * 1201))  # over a founder's screenful
    assert "1200" in said(refused) and "1201" in said(refused) and "text_zh" not in draft.answers
    draft = runner.begin(0)
    send(runner, draft, pdf(1))
    refused = send(runner, draft, pdf(2))
    assert "At most 1 file" in said(refused)
    send(runner, draft, tap(runner, draft, Op.DONE))
    send(runner, draft, Event.of_text("政" * 1200))  # the text goes as its own message
    assert draft.step == "text_en" and len(draft.answers["attachment"]) == 1


def test_an_announcement_to_all_after_the_preview_has_no_audience() -> None:
    runner = FlowRunner(build(POLICY))
    draft = runner.begin(0)
    send(runner, draft, tap(runner, draft, Op.SKIP))
    send(runner, draft, Event.of_text("培训通知"))
    send(runner, draft, Event.of_text("Training notice"))
    send(runner, draft, tap(runner, draft, Op.PICK, "none"))
    send(runner, draft, tap(runner, draft, Op.PICK, "all"))
    send(runner, draft, tap(runner, draft, Op.PICK, "now"))
    assert draft.step == SUMMARY
    done = runner.handle(draft, tap(runner, draft, Op.CONFIRM), CTX).completion
    assert done is not None and done.announcement is not None
    assert done.announcement.texts == {"zh_CN": "培训通知", "en": "Training notice"}
    assert done.announcement.audience == {} and done.announcement.send_at is None
    assert done.announcement.link == ""


def test_skip_typed_at_an_optional_text_skips_it_in_either_language() -> None:
    runner = FlowRunner(build(POLICY))
    for typed in ("跳过", "Skip", "skip"):
        draft = runner.begin(0)
        send(runner, draft, tap(runner, draft, Op.SKIP))
        send(runner, draft, Event.of_text("培训通知"))
        send(runner, draft, Event.of_text(typed))
        assert draft.answers["text_en"] is None and draft.step == "link", typed


def test_a_district_limited_commissioner_is_offered_only_their_districts() -> None:
    """Not all 16 and a refusal at the end: the audience offers what their grant allows."""
    limited = dataclasses.replace(CTX, districts=("pudong", "xuhui"))
    runner = FlowRunner(build(POLICY))
    draft = runner.begin(0)
    for event in (
        tap(runner, draft, Op.SKIP),
        Event.of_text("培训通知"),
        Event.of_text("Training notice"),
        tap(runner, draft, Op.PICK, "none"),
    ):
        screen = runner.handle(draft, event, limited).replies[-1]
    assert draft.step == "who"
    offered = [spellings(b.label)["en"] for row in screen.buttons for b in row]
    assert "All subscribers in my districts" in offered and "All subscribers" not in offered
    runner.handle(draft, tap(runner, draft, Op.PICK, "some"), limited)
    while draft.step != "districts":
        runner.handle(draft, tap(runner, draft, Op.DONE), limited)  # topics: any
    screen = runner.handle(draft, tap(runner, draft, Op.PICK, "jingan"), limited).replies[-1]
    assert "jingan" not in draft.scratch.get("districts", [])  # not theirs: not taken
    picks = {b.action.value for row in screen.buttons for b in row if b.action.op is Op.PICK}
    assert picks == {"pudong", "xuhui"}
    runner.handle(draft, tap(runner, draft, Op.PICK, "xuhui"), limited)
    runner.handle(draft, tap(runner, draft, Op.DONE), limited)
    assert draft.answers["districts"] == ["xuhui"]


def test_a_kept_announcement_draft_is_the_desk_s_not_an_application() -> None:
    """📎 Upload later in the composer says how to come back (/announce), not the services menu;
    My applications and the offer after /start leave the draft out; /announce continues it."""
    f = Founder(FounderState(founder=Address.telegram(9), roles={"commissioner": {}}))
    f.send(Event.of_command("announce"))
    assert f.state.prefs.active == "announce"
    left = f.text_of(f.tap(Op.CANCEL_KEEP))  # 📎 Upload later, on the attachment step
    assert "/{command}" in left and "'command': 'announce'" in left
    assert "Choose a service" not in left and "announce" in f.state.drafts
    assert "announce" not in f.text_of(f.send(Event.of_command("apps")))
    assert "Continue where you stopped" not in f.text_of(f.send(Event.of_command("start")))
    f.send(Event.of_command("announce"))
    assert f.state.prefs.active == "announce" and f.state.drafts["announce"].step == "attachment"


def test_a_discarded_announcement_draft_says_how_to_start_another() -> None:
    """✖️ Cancel → Discard in the composer: its command, not the founders' services menu."""
    f = Founder(FounderState(founder=Address.telegram(9), roles={"commissioner": {}}))
    f.send(Event.of_command("announce"))
    f.tap(Op.CANCEL)
    left = f.text_of(f.tap(Op.DISCARD))
    assert "Start a new one any time with /{command}" in left and "Choose a service" not in left
    assert "announce" not in f.state.drafts
