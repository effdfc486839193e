"""The founder's whole conversation: menu, deep links, My applications, language, and the
active flow. Pure: it changes the `FounderState` it is given and returns replies."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from flows.engine.draft import Draft, FounderState
from flows.engine.errors import ValidationFailed
from flows.engine.events import Event, EventKind
from flows.engine.labels import tapped
from flows.engine.outcome import Action, Button, Op, Reply
from flows.engine.runner import FlowRunner, StepResult
from flows.engine.screens import refusal
from flows.engine.spec import Context, FlowSpec, Speller
from flows.engine.text import N_, Text, spellings
from flows.policy.loader import PolicyData
from flows.services.announce.flow import AUDIENCE
from flows.services.followup import ESCALATION, RATING, case_for
from flows.services.supplement import CASE, case_of
from flows.services.supplement import FLOW_ID as SUPPLEMENT
from flows.shell import subscription
from flows.shell.application_view import application_detail, sent_summary
from flows.shell.menu import (
    COMMANDS,
    LANGUAGE_NAMES,
    applications,
    language_menu,
    lifecycle_of,
    locale_from_arg,
    programme_title,
    progress,
    services_menu,
)
from flows.shell.privacy import erase, erase_confirm, my_data
from flows.shell.results import result
from flows.shell.submission import submit

ANNOUNCE = "announce"  # the composer's flow id, and the request for the broadcast desk
COMMISSIONER = "commissioner"  # the role that may open it (storage.roles)
# `/announce audience`: the composed announcement back at its audience (the desk found nobody
# there, or districts the commissioner may not send to), its other answers kept
REAUDIENCE = "audience"
SUBSCRIPTION_OPS = frozenset({Op.SUBSCRIPTION, Op.SUBSCRIBE, Op.UNSUBSCRIBE, Op.TOPIC, Op.TOPICS})
# the offer after /start, naming what is unfinished (FlowSpec.noun)
UNFINISHED = {
    "application": N_(
        "Welcome back! You have an unfinished application: {title} ({done} of {total} answered). "
        "Continue where you stopped?"
    ),
    "complaint": N_(
        "Welcome back! You have an unfinished complaint: {title} ({done} of {total} answered). "
        "Continue where you stopped?"
    ),
    "rating": N_(
        "Welcome back! You have an unfinished rating: {title} ({done} of {total} answered). "
        "Continue where you stopped?"
    ),
}


class Conversation:
    """Routes a founder's event to the menu or to the active flow."""

    def __init__(
        self,
        flows: Sequence[FlowSpec],
        policy: PolicyData,
        *,
        draft_days: int = 30,
        profile_days: int = 365,
        retention_days: int = 365,
        spell: Speller = spellings,
    ) -> None:
        self.runners = {spec.id: FlowRunner(spec) for spec in flows}
        self.flow_ids = {spec.code: spec.id for spec in flows} | {
            spec.id: spec.id for spec in flows
        }
        self.policy = policy
        self.draft_days = draft_days
        self.profile_days = profile_days
        self.retention_days = retention_days
        self.spell = spell

    def handle(
        self,
        state: FounderState,
        event: Event,
        now: float,
        today: date,
        *,
        locale: str = "zh_CN",
        reference: str | Callable[[], str] = "",
    ) -> list[Reply]:
        """Apply one event; `state.changed` names what to write back. `reference` numbers a
        submission if this event completes one: a number, or what draws one when needed."""
        ctx = self._context(state, now, today, locale, reference)
        replies = self._route(state, event, now, ctx)
        # the founder is at the offer to continue while it is the last screen shown: /lang,
        # /help and a resend redraw it, not the menu or the question behind it
        at_offer = (
            state.prefs.active is None and bool(replies) and replies[-1] == self._offer(state)
        )
        if state.prefs.offered != at_offer:
            state.prefs.offered = at_offer
            state.touch("prefs")
        return replies

    def _route(self, state: FounderState, event: Event, now: float, ctx: Context) -> list[Reply]:
        if event.kind is EventKind.COMMAND:
            return self._command(state, event, now, ctx)
        action = event.action
        if action is not None and not action.flow:
            return self._menu_action(state, action, now, ctx)
        active = self._active(state)
        if active is None:
            if action is not None:
                return [Reply((Text(N_("That button is from an earlier message.")),)), self.menu()]
            return self._typed_at_menu(state, event.text, now, ctx)
        runner = self.runners[active.flow]
        if action is not None and not self._current(runner, active, action):
            notice = Text(N_("That button is from an earlier message. Here is where you are now:"))
            return [runner.screen(active, ctx, notice)]
        return self._after(state, runner, active, runner.handle(active, event, ctx), now, ctx)

    # -- menu level -------------------------------------------------------------------------

    def where(self, state: FounderState, now: float, today: date, *, locale: str) -> list[Reply]:
        """The founder's current screen, changing nothing: the open service's question (or its
        summary); with none open, their applications (the last answer may have submitted one),
        else the services menu. For an update handled before whose replies may never have been
        sent: the founder is shown where their saved answers left them."""
        active = self._active(state)
        if active is None:
            if (offer := self._offered(state)) is not None:
                return [offer]
            return [
                applications(state, self.runners, self.policy)
                if state.applications
                else self.menu()
            ]
        ctx = self._context(state, now, today, locale, "")
        return [self.runners[active.flow].screen(active, ctx)]

    def _here(self, state: FounderState, ctx: Context) -> Reply:
        """The screen the founder is at, redrawn after /lang or /help: the open flow's question,
        else the offer to continue when it was the last screen shown, else the menu."""
        active = self._active(state)
        if active is not None:
            return self.runners[active.flow].screen(active, ctx)
        offer = self._offered(state)
        return offer if offer is not None else self.menu()

    def _offered(self, state: FounderState) -> Reply | None:
        """The offer to continue, when it is the screen the founder was last shown."""
        return self._offer(state) if state.prefs.offered else None

    def _context(
        self,
        state: FounderState,
        now: float,
        today: date,
        locale: str,
        reference: str | Callable[[], str],
    ) -> Context:
        return Context(
            policy=self.policy,
            today=today,
            locale=locale,
            reference=reference if isinstance(reference, str) else "",
            draw=None if isinstance(reference, str) else reference,
            draft_days=self.draft_days,
            profile_days=self.profile_days,
            retention_days=self.retention_days,
            applications=tuple(state.applications),
            spell=self.spell,
            profile=state.profile,
            now=now,
            roles=frozenset(state.roles),
            districts=limited_to(state.roles),
        )

    def menu(self, notice: Text | None = None) -> Reply:
        """The services menu."""
        return services_menu(self.runners, notice)

    def _command(self, state: FounderState, event: Event, now: float, ctx: Context) -> list[Reply]:
        cmd, arg = event.command, event.arg
        if cmd == "start":
            if arg and self.flow_ids.get(arg.lower()):
                return self._open(state, self.flow_ids[arg.lower()], now, ctx)
            return self._welcome(state)
        if cmd in ("language", "lang"):
            locale = locale_from_arg(arg) if arg else None
            return self._set_language(state, locale, ctx) if locale else [language_menu()]
        if cmd == "cancel":
            active = self._active(state)
            if active is not None:
                return self._after(
                    state,
                    self.runners[active.flow],
                    active,
                    self.runners[active.flow].handle(
                        active, Event.of_action(Action(Op.CANCEL)), ctx
                    ),
                    now,
                    ctx,
                )
            return [self.menu()]
        if cmd == "apps":
            return [applications(state, self.runners, self.policy)]
        if cmd == "help":
            return self._help(state, ctx)
        if cmd == "menu":
            return self._leave_to_menu(state)
        if cmd in ("mydata", "privacy"):
            return my_data(state, self.runners, self.policy)
        if cmd == "deleteme":
            return [erase_confirm(state, ctx)]
        if cmd == "announce" and ANNOUNCE in self.runners:
            if COMMISSIONER not in ctx.roles:  # the bot's desk refused and logged it already
                return [self.menu(Text(N_("Only service commissioners can send announcements.")))]
            return self._compose(state, now, ctx, event.arg.lower() == REAUDIENCE)
        if cmd in ("subscribe", "unsubscribe"):
            op = Op.SUBSCRIBE if cmd == "subscribe" else Op.UNSUBSCRIBE
            return self._subscription(state, Action(op), now, ctx)
        return [self.menu(Text(N_("I don't know that command.")))]

    def _menu_action(
        self, state: FounderState, action: Action, now: float, ctx: Context
    ) -> list[Reply]:
        flow_id = self.flow_ids.get(action.value, "")
        if action.op is Op.MENU:
            return self._leave_to_menu(state)
        if action.op is Op.OPEN and flow_id:
            return self._open(state, flow_id, now, ctx)
        if action.op is Op.RESTART and flow_id:
            return self._restart(state, flow_id, now, ctx)
        if (
            action.op is Op.VIEW
            and flow_id
            and flow_id in state.drafts
            and state.drafts[flow_id].finished
        ):
            done = self.runners[flow_id].spec.complete(state.drafts[flow_id].answers, ctx)
            return result(
                done, self.runners, flow_id, ctx, action.step, subscribed=state.prefs.subscribed
            )
        if action.op is Op.VIEW and (entry := self._application(state, action.value)):
            runner = self.runners.get(str(entry.get("flow", "")))
            title = programme_title(entry, self.runners, self.policy)
            return [application_detail(entry, runner.spec if runner else None, title, ctx)]
        if action.op is Op.APPS:
            return [applications(state, self.runners, self.policy)]
        if action.op is Op.SUPPLY:
            return self._supply(state, action.value, now, ctx)
        if action.op in (Op.ESCALATE, Op.RATE):
            return self._follow_up(state, action, now, ctx)
        if action.op is Op.LANG:
            locale = locale_from_arg(action.value) if action.value else None
            return self._set_language(state, locale, ctx) if locale else [language_menu()]
        if action.op is Op.HELP:
            return self._help(state, ctx)
        if action.op is Op.ERASE_ASK:
            return [erase_confirm(state, ctx)]
        if action.op is Op.ERASE:
            return erase(state)
        if action.op in SUBSCRIPTION_OPS:
            return self._subscription(state, action, now, ctx)
        return [self.menu(Text(N_("That button is from an earlier message.")))]

    def _subscription(
        self, state: FounderState, action: Action, now: float, ctx: Context
    ) -> list[Reply]:
        """The announcements screens (`flows.shell.subscription`). 🔕 Unsubscribe works from
        anywhere (it comes under announcements): the founder is returned to the open flow."""
        if action.op is Op.UNSUBSCRIBE:
            active = self._active(state)
            where = [self.runners[active.flow].screen(active, ctx)] if active else []
            return subscription.unsubscribe(state, self.policy, where)
        if action.op is Op.SUBSCRIBE:
            return [subscription.subscribe(state, self.policy, now, ctx.locale)]
        if action.op is Op.TOPIC:
            return [subscription.toggle(state, self.policy, action.value)]
        if action.op is Op.TOPICS and action.value:
            return [subscription.choose(state, self.policy, action.value)]
        if action.op is Op.TOPICS:
            return [subscription.topics(state, self.policy)]
        return [subscription.subscription(state, self.policy)]

    @staticmethod
    def _application(state: FounderState, reference: str) -> dict[str, Any] | None:
        return next((e for e in state.applications if e.get("reference") == reference), None)

    def _typed_at_menu(
        self, state: FounderState, text: str, now: float, ctx: Context
    ) -> list[Reply]:
        """Text with no flow open: a menu button's label (or a language's name) acts as a tap on
        it; anything else shows the menu."""
        menu, languages = self.menu(), language_menu()
        opt = (subscription.subscribe_button(), subscription.unsubscribe_button())
        # after /start, the offer to continue an unfinished one ("继续", "Start over") too
        offer = self._offer(state)
        offered = offer.buttons[0] if offer is not None else ()
        either = Reply(menu.blocks, (offered, *menu.buttons, *languages.buttons, opt))
        try:
            action = tapped(either, text, ctx.spell)
        except ValidationFailed as refused:
            return [self.menu(refusal(refused.msgid, refused.params))]
        if action is not None:
            return self._menu_action(state, action, now, ctx)
        return [self.menu(Text(N_("Please choose a service from the menu.")))]

    def _welcome(self, state: FounderState) -> list[Reply]:
        offer = self._offer(state)
        if offer is None:
            return [
                self.menu(
                    Text(
                        N_(
                            "Welcome! I help founders of small and medium-sized enterprises (SMEs) in Shanghai use "
                            "the Regulations on Promoting SMEs (2020)."
                        )
                    )
                )
            ]
        # at the offer, not in the service: what is typed next answers the offer (▶️ Continue,
        # 🔄 Start over, a service's name), never the question behind it
        if state.prefs.active is not None:
            state.prefs.active = None
            state.touch("prefs")
        return [offer]

    def _offer(self, state: FounderState) -> Reply | None:
        """The offer to continue the unfinished draft last changed, if there is one."""
        unfinished = sorted(
            (
                d
                for d in state.drafts.values()
                if not d.finished and not self.runners[d.flow].spec.desk
            ),
            key=lambda d: -d.updated_at,
        )
        if not unfinished:
            return None
        draft = unfinished[0]
        spec = self.runners[draft.flow].spec
        where, done, total = progress(self.runners, draft)
        text = Text(
            UNFINISHED.get(spec.noun, UNFINISHED["application"]),
            {"title": where, "done": done, "total": total},
        )
        return Reply(
            (text,),
            (
                (
                    Button(Text(N_("▶️ Continue")), Action(Op.OPEN, value=spec.id)),
                    Button(Text(N_("🔄 Start over")), Action(Op.RESTART, value=spec.id)),
                ),
                (Button(Text(N_("🏠 Menu")), Action(Op.MENU)),),
            ),
        )

    def _open(self, state: FounderState, flow_id: str, now: float, ctx: Context) -> list[Reply]:
        runner = self.runners[flow_id]
        draft = state.drafts.get(flow_id)
        if not runner.spec.listed and (draft is None or draft.finished):
            return [self.menu(Text(N_("That button is from an earlier message.")))]
        state.prefs.active = flow_id
        state.touch("prefs")
        if draft is not None and not draft.finished:
            return [
                runner.screen(draft, ctx, Text(N_("Welcome back. Continuing where you stopped:")))
            ]
        draft = runner.begin(now, state.profile)
        state.put_draft(draft)
        return [Reply((Text(runner.spec.intro),)), runner.screen(draft, ctx)]

    def _restart(self, state: FounderState, flow_id: str, now: float, ctx: Context) -> list[Reply]:
        """🔄 Start over: the draft dropped and the flow begun afresh; a flow about one case (an
        answer to an office, a rating) begins again on that case, while it still allows one
        (else the draft is kept and the founder told why)."""
        draft = state.drafts.get(flow_id)
        case = draft.answers.get(CASE) if draft is not None else None
        if not isinstance(case, dict):
            state.drop_draft(flow_id)
            return self._open(state, flow_id, now, ctx)
        reference = str(case.get("reference", ""))
        current = self._case(state, flow_id, reference)
        if current is None:
            return self._no_case(state, flow_id, reference)
        state.drop_draft(flow_id)
        return self._open_on_case(state, flow_id, current, now, ctx)

    def _case(self, state: FounderState, flow_id: str, reference: str) -> dict[str, Any] | None:
        """The case `reference` as a flow about it opens on now; None when its status does not
        allow that flow (or the flow is not served)."""
        if flow_id not in self.runners:
            return None
        if flow_id == SUPPLEMENT:
            return case_of(state.applications, reference)
        to = {ESCALATION: "escalated", RATING: "rated"}.get(flow_id)
        entry = self._application(state, reference)
        allowed = (
            to is not None
            and entry is not None
            and lifecycle_of(entry, self.runners).allowed(str(entry.get("status")), to, "founder")
        )
        return case_for(state.applications, reference, flow_id) if allowed else None

    def _no_case(self, state: FounderState, flow_id: str, reference: str) -> list[Reply]:
        """Why a flow about the case `reference` cannot be opened now, with My applications."""
        notice = (
            Text(
                N_("{reference} is not waiting for information from you."),
                {"reference": reference},
            )
            if flow_id == SUPPLEMENT
            else Text(N_("That is not possible for {reference} now."), {"reference": reference})
        )
        return [Reply((notice,)), applications(state, self.runners, self.policy)]

    def _supply(self, state: FounderState, reference: str, now: float, ctx: Context) -> list[Reply]:
        """Open the answer to the office's question about `reference`, or say none is waited for."""
        case = self._case(state, SUPPLEMENT, reference)
        if case is None:
            return self._no_case(state, SUPPLEMENT, reference)
        return self._open_on_case(state, SUPPLEMENT, case, now, ctx)

    def _follow_up(
        self, state: FounderState, action: Action, now: float, ctx: Context
    ) -> list[Reply]:
        """Open the escalation or the rating of a case, when its status allows it now."""
        flow_id = ESCALATION if action.op is Op.ESCALATE else RATING
        case = self._case(state, flow_id, action.value)
        if case is None:
            return self._no_case(state, flow_id, action.value)
        return self._open_on_case(state, flow_id, case, now, ctx)

    def _open_on_case(
        self, state: FounderState, flow_id: str, case: dict[str, Any], now: float, ctx: Context
    ) -> list[Reply]:
        """Open a flow about one case (a draft about another case is dropped)."""
        draft = state.drafts.get(flow_id)
        if draft is not None and draft.answers.get(CASE) != case:
            state.drop_draft(flow_id)
        if flow_id in state.drafts:
            return self._open(state, flow_id, now, ctx)
        runner = self.runners[flow_id]
        draft = runner.begin(now)
        draft.answers[CASE] = case
        state.put_draft(draft)
        state.prefs.active = flow_id
        state.touch("prefs")
        return [Reply((Text(runner.spec.intro),)), runner.screen(draft, ctx)]

    def _compose(
        self, state: FounderState, now: float, ctx: Context, reaudience: bool = False
    ) -> list[Reply]:
        """The composer, opened by /announce (it is in no menu): where the commissioner left
        it, or afresh; `reaudience` takes the one composed last back to its audience."""
        draft = state.drafts.get(ANNOUNCE)
        runner = self.runners[ANNOUNCE]
        if reaudience and draft is not None and draft.finished:
            runner.reopen(draft, AUDIENCE)
            draft.updated_at = now
            state.put_draft(draft)
        if draft is not None and not draft.finished:
            return self._open(state, ANNOUNCE, now, ctx)
        draft = runner.begin(now)
        state.put_draft(draft)
        state.prefs.active = ANNOUNCE
        state.touch("prefs")
        return [Reply((Text(runner.spec.intro),)), runner.screen(draft, ctx)]

    def _leave_to_menu(self, state: FounderState) -> list[Reply]:
        if state.prefs.active is not None:
            state.prefs.active = None
            state.touch("prefs")
        return [self.menu()]

    def _set_language(self, state: FounderState, locale: str, ctx: Context) -> list[Reply]:
        state.prefs.lang = locale
        state.touch("prefs")
        replies = [
            Reply((Text(N_("Language set to {language}."), {"language": LANGUAGE_NAMES[locale]}),))
        ]
        return [*replies, self._here(state, ctx)]

    def _help(self, state: FounderState, ctx: Context) -> list[Reply]:
        text = Text(
            N_(
                "I guide you through services under the Regulations on Promoting SMEs. Tap buttons or type "
                "answers; your answers are saved after every step, so you can stop and continue later on any "
                "device. Commands:"
            )
        )
        listed = tuple(
            Text(N_("/{command} · {description}"), {"command": c, "description": Text(d)})
            for c, d in COMMANDS
        )
        return [Reply((text, *listed)), self._here(state, ctx)]

    # -- flow level -------------------------------------------------------------------------

    def _active(self, state: FounderState) -> Draft | None:
        flow_id = state.prefs.active
        draft = state.drafts.get(flow_id) if flow_id else None
        return draft if draft is not None and not draft.finished else None

    def _current(self, runner: FlowRunner, draft: Draft, action: Action) -> bool:
        if action.flow != runner.spec.code:
            return False
        if action.op in (Op.CANCEL_KEEP, Op.DISCARD, Op.CONTINUE):
            return True
        names = [f.name for f in runner.spec.fields]
        step = str(names.index(draft.step)) if draft.step in names else draft.step[:1]
        return action.step == step

    def _after(
        self,
        state: FounderState,
        runner: FlowRunner,
        draft: Draft,
        step: StepResult,
        now: float,
        ctx: Context,
    ) -> list[Reply]:
        if step.tap is not None:
            return self._menu_action(state, step.tap, now, ctx)
        if step.saved:
            draft.updated_at = now
            state.put_draft(draft)
        if step.leave == "discard":
            state.drop_draft(draft.flow)
            self._leave_to_menu(state)
            if runner.spec.desk:  # not a founder's service: its command, not the services menu
                again = N_("Discarded. Start a new one any time with /{command}.")
                return [Reply((Text(again, {"command": runner.spec.desk}),))]
            return [self.menu(Text(N_("Discarded. None of your answers were kept.")))]
        if step.leave == "keep" and runner.spec.desk:  # not an application: back to its desk
            self._leave_to_menu(state)
            resume = Text(
                N_("Saved. Continue any time with /{command}."), {"command": runner.spec.desk}
            )
            return [Reply((resume,))]
        if step.leave == "keep":
            self._leave_to_menu(state)
            return [self.menu(Text(N_("Saved. Continue any time under 🗂 My applications.")))]
        if step.completion is not None:
            completion = step.completion
            if completion.profile:
                state.profile.update(completion.profile)
                state.touch("profile")
            if completion.announcement is not None:  # the broadcast desk previews it
                if COMMISSIONER not in ctx.roles:
                    state.drop_draft(draft.flow)
                    return [
                        self.menu(Text(N_("Only service commissioners can send announcements.")))
                    ]
                state.announcement = completion.announcement
                state.request = ANNOUNCE
            if completion.submission is not None:
                submit(state, draft, completion.submission, now, ctx)
                applicable = [f.name for f in runner.machine.applicable(draft.answers)]
                sent = sent_summary(runner.spec, completion.submission.answers, applicable)
                if not completion.submission.anonymous:  # a tip-off is not listed
                    state.applications[-1]["sent"] = sent
            state.prefs.active = None
            state.touch("prefs")
            return result(
                completion, self.runners, draft.flow, ctx, subscribed=state.prefs.subscribed
            )
        return step.replies


def limited_to(roles: Mapping[str, Any]) -> tuple[str, ...]:
    """The districts a commissioner's grant (`FounderState.roles`) limits them to; () for all."""
    grant = roles.get(COMMISSIONER)
    districts = grant.get("districts") if isinstance(grant, Mapping) else None
    return tuple(str(d) for d in districts) if isinstance(districts, list) else ()
