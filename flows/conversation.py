"""The founder's whole conversation: menu, deep links, My applications, language, and the
active flow. Pure: it changes the `FounderState` it is given and returns replies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flows.draft import DONE, SUMMARY, Draft, FounderState
from flows.events import Event, EventKind
from flows.outcome import Action, Button, Op, Reply, rows
from flows.policy import PolicyData
from flows.runner import FlowRunner, StepResult
from flows.spec import Completion, Context, FlowSpec
from flows.text import N_, Text

LOCALES = ("zh_CN", "en")
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def locale_from_arg(arg: str) -> str | None:
    """'zh', 'zh_CN', 'cn', 'en' … to a supported locale."""
    arg = arg.strip().lower().replace("-", "_")
    if arg.startswith(("zh", "cn")) or arg == "中文":
        return "zh_CN"
    if arg.startswith("en") or arg == "english":
        return "en"
    return None


class Conversation:
    """Routes a founder's event to the menu or to the active flow."""

    def __init__(self, flows: Sequence[FlowSpec], policy: PolicyData) -> None:
        self.runners = {spec.id: FlowRunner(spec) for spec in flows}
        self.flow_ids = {spec.code: spec.id for spec in flows} | {
            spec.id: spec.id for spec in flows
        }
        self.policy = policy

    def handle(self, state: FounderState, event: Event, now: float, today: date) -> list[Reply]:
        """Apply one event; `state.changed` names what to write back."""
        ctx = Context(policy=self.policy, today=today)
        if event.kind is EventKind.COMMAND:
            return self._command(state, event, now, ctx)
        action = event.action
        if action is not None and not action.flow:
            return self._menu_action(state, action, now, ctx)
        active = self._active(state)
        if active is None:
            if action is not None:
                return [Reply((Text(N_("That button is from an earlier message.")),)), self.menu()]
            return [self.menu(Text(N_("Please choose a service from the menu.")))]
        runner = self.runners[active.flow]
        if action is not None and not self._current(runner, active, action):
            notice = Text(N_("That button is from an earlier message. Here is where you are now:"))
            return [runner.screen(active, notice)]
        return self._after(state, runner, active, runner.handle(active, event, ctx), now)

    # -- menu level -------------------------------------------------------------------------

    def menu(self, notice: Text | None = None) -> Reply:
        """The services menu: one button per working service, then My applications, language, help."""
        services = [
            Button(
                Text(N_("{icon} {title}"), {"icon": r.spec.icon, "title": Text(r.spec.title)}),
                Action(Op.OPEN, value=r.spec.id),
            )
            for r in self.runners.values()
        ]
        extra = (
            Button(Text(N_("🗂 My applications")), Action(Op.APPS)),
            Button(Text(N_("🌐 Language")), Action(Op.LANG)),
            Button(Text(N_("❓ Help")), Action(Op.HELP)),
        )
        blocks = ([notice] if notice else []) + [
            Text(N_("What would you like to do? Choose a service:"))
        ]
        return Reply(tuple(blocks), (*rows(services, 1), extra[:2], extra[2:]))

    def _command(self, state: FounderState, event: Event, now: float, ctx: Context) -> list[Reply]:
        cmd, arg = event.command, event.arg
        if cmd == "start":
            if arg and self.flow_ids.get(arg.lower()):
                return self._open(state, self.flow_ids[arg.lower()], now)
            return self._welcome(state)
        if cmd in ("language", "lang"):
            locale = locale_from_arg(arg) if arg else None
            return self._set_language(state, locale) if locale else [self._language_menu()]
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
                )
            return [self.menu()]
        if cmd == "apps":
            return [self._applications(state)]
        if cmd == "help":
            return self._help(state)
        if cmd == "menu":
            return self._leave_to_menu(state)
        return [self.menu(Text(N_("I don't know that command.")))]

    def _menu_action(
        self, state: FounderState, action: Action, now: float, ctx: Context
    ) -> list[Reply]:
        flow_id = self.flow_ids.get(action.value, "")
        if action.op is Op.MENU:
            return self._leave_to_menu(state)
        if action.op is Op.OPEN and flow_id:
            return self._open(state, flow_id, now)
        if action.op is Op.RESTART and flow_id:
            state.drop_draft(flow_id)
            return self._open(state, flow_id, now)
        if (
            action.op is Op.VIEW
            and flow_id
            and flow_id in state.drafts
            and state.drafts[flow_id].finished
        ):
            return self._result(
                self.runners[flow_id].spec.complete(state.drafts[flow_id].answers, ctx)
            )
        if action.op is Op.APPS:
            return [self._applications(state)]
        if action.op is Op.LANG:
            locale = locale_from_arg(action.value) if action.value else None
            return self._set_language(state, locale) if locale else [self._language_menu()]
        if action.op is Op.HELP:
            return self._help(state)
        return [self.menu(Text(N_("That button is from an earlier message.")))]

    def _welcome(self, state: FounderState) -> list[Reply]:
        unfinished = sorted(
            (d for d in state.drafts.values() if not d.finished), key=lambda d: -d.updated_at
        )
        if not unfinished:
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
        draft = unfinished[0]
        spec = self.runners[draft.flow].spec
        done, total = self._progress(draft)
        text = Text(
            N_(
                "Welcome back! You have an unfinished application: {title} ({done} of {total} answered). "
                "Continue where you stopped?"
            ),
            {"title": Text(spec.title), "done": done, "total": total},
        )
        return [
            Reply(
                (text,),
                (
                    (
                        Button(Text(N_("▶️ Continue")), Action(Op.OPEN, value=spec.id)),
                        Button(Text(N_("🔄 Start over")), Action(Op.RESTART, value=spec.id)),
                    ),
                    (Button(Text(N_("🏠 Menu")), Action(Op.MENU)),),
                ),
            )
        ]

    def _open(self, state: FounderState, flow_id: str, now: float) -> list[Reply]:
        runner = self.runners[flow_id]
        state.prefs.active = flow_id
        state.touch("prefs")
        draft = state.drafts.get(flow_id)
        if draft is not None and not draft.finished:
            return [runner.screen(draft, Text(N_("Welcome back. Continuing where you stopped:")))]
        draft = runner.begin(now)
        state.put_draft(draft)
        return [Reply((Text(runner.spec.intro),)), runner.screen(draft)]

    def _leave_to_menu(self, state: FounderState) -> list[Reply]:
        if state.prefs.active is not None:
            state.prefs.active = None
            state.touch("prefs")
        return [self.menu()]

    def _set_language(self, state: FounderState, locale: str) -> list[Reply]:
        state.prefs.lang = locale
        state.touch("prefs")
        replies = [
            Reply((Text(N_("Language set to {language}."), {"language": LANGUAGE_NAMES[locale]}),))
        ]
        active = self._active(state)
        return replies + ([self.runners[active.flow].screen(active)] if active else [self.menu()])

    def _language_menu(self) -> Reply:
        buttons = tuple(
            Button(Text.raw(name), Action(Op.LANG, value=loc))
            for loc, name in LANGUAGE_NAMES.items()
        )
        return Reply((Text(N_("Choose your language:")),), (buttons,))

    def _help(self, state: FounderState) -> list[Reply]:
        text = Text(
            N_(
                "I guide you through services under the Regulations on Promoting SMEs. Tap buttons or type "
                "answers; your answers are saved after every step, so you can stop and continue later on any "
                "device. Commands: /start, /menu, /apps (My applications), /language, /cancel, /help."
            )
        )
        active = self._active(state)
        return [Reply((text,))] + (
            [self.runners[active.flow].screen(active)] if active else [self.menu()]
        )

    def _applications(self, state: FounderState) -> Reply:
        lines: list[Text] = [Text(N_("🗂 My applications"))]
        buttons: list[Button] = []
        for flow_id, runner in self.runners.items():
            draft = state.drafts.get(flow_id)
            if draft is None:
                continue
            title = Text(runner.spec.title)
            if draft.finished:
                lines.append(Text(N_("• {title}: completed"), {"title": title}))
                buttons.append(
                    Button(Text(N_("📄 {title}"), {"title": title}), Action(Op.VIEW, value=flow_id))
                )
            else:
                done, total = self._progress(draft)
                lines.append(
                    Text(
                        N_("• {title}: {done} of {total} answered"),
                        {"title": title, "done": done, "total": total},
                    )
                )
                buttons.append(
                    Button(Text(N_("▶️ {title}"), {"title": title}), Action(Op.OPEN, value=flow_id))
                )
        if not buttons:
            lines.append(Text(N_("You have no applications yet.")))
        return Reply(
            tuple(lines), (*rows(buttons, 1), (Button(Text(N_("🏠 Menu")), Action(Op.MENU)),))
        )

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
        self, state: FounderState, runner: FlowRunner, draft: Draft, result: StepResult, now: float
    ) -> list[Reply]:
        if result.saved:
            draft.updated_at = now
            state.put_draft(draft)
        if result.leave == "discard":
            state.drop_draft(draft.flow)
            self._leave_to_menu(state)
            return [self.menu(Text(N_("Discarded. None of your answers were kept.")))]
        if result.leave == "keep":
            self._leave_to_menu(state)
            return [self.menu(Text(N_("Saved. Continue any time under 🗂 My applications.")))]
        if result.completion is not None:
            state.profile.update(result.completion.profile)
            state.touch("profile")
            state.prefs.active = None
            state.touch("prefs")
            return self._result(result.completion)
        return result.replies

    def _result(self, completion: Completion) -> list[Reply]:
        blocks = list(completion.blocks)
        offers = [
            Button(
                Text(N_("➡️ {title}"), {"title": Text(self.runners[f].spec.title)}),
                Action(Op.OPEN, value=f),
            )
            for f in completion.next_flows
            if f in self.runners
        ]
        buttons = (*rows(offers, 1), (Button(Text(N_("🏠 Menu")), Action(Op.MENU)),))
        return [Reply(tuple(b)) for b in blocks[:-1]] + [Reply(tuple(blocks[-1]), buttons)]

    def _progress(self, draft: Draft) -> tuple[int, int]:
        machine = self.runners[draft.flow].machine
        asked = machine.applicable(draft.answers)
        done = sum(1 for f in asked if f.name in draft.answers)
        return (len(asked) if draft.step in (SUMMARY, DONE) else done), len(asked)
