"""The screens around the flows: services menu, language choice, My applications, results."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from flows.engine.draft import Draft, FounderState
from flows.engine.labels import HELP_WORDS
from flows.engine.lifecycle import APPLICATION, Lifecycle
from flows.engine.outcome import Action, Block, Button, Op, Reply, rows
from flows.engine.progress import position
from flows.engine.runner import FlowRunner
from flows.engine.text import N_, Text
from flows.policy.loader import PolicyData
from flows.services.complaint.lifecycle import COMPLAINT
from flows.services.followup import RATING
from flows.shell import subscription
from flows.shell.statuses import status_name

Runners = Mapping[str, FlowRunner]

LOCALES = ("zh_CN", "en")
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
LANGUAGE_WORDS = {"zh_CN": ("汉语", "简体中文", "Chinese"), "en": ("英文", "英语", "英文版")}
APPS_WORDS = ("apps", "applications", "my apps", "申请", "我的申请", "进度")
# the founder's commands, one list for the Telegram commands menu and for /help
COMMANDS = (
    ("start", N_("Start or continue")),
    ("menu", N_("Services menu")),
    ("apps", N_("My applications")),
    ("language", N_("Language / 语言")),
    ("cancel", N_("Cancel the current step")),
    ("help", N_("Help")),
    ("subscribe", N_("Announcements")),
    ("news", N_("Recent announcements")),
    ("mydata", N_("My data")),
    ("deleteme", N_("Erase my data")),
)


def locale_from_arg(arg: str) -> str | None:
    """'zh', 'zh_CN', 'cn', 'en' … to a supported locale."""
    arg = arg.strip().lower().replace("-", "_")
    if arg.startswith(("zh", "cn")) or arg == "中文":
        return "zh_CN"
    if arg.startswith("en") or arg == "english":
        return "en"
    return None


def services_menu(runners: Runners, notice: Text | None = None) -> Reply:
    """The services menu: one button per working service, then My applications, language, help."""
    services = [
        Button(
            Text(N_("{icon} {title}"), {"icon": r.spec.icon, "title": Text(r.spec.title)}),
            Action(Op.OPEN, value=r.spec.id),
            r.spec.synonyms,
        )
        for r in runners.values()
        if r.spec.listed
    ]
    extra = (
        Button(Text(N_("🗂 My applications")), Action(Op.APPS), APPS_WORDS),
        Button(Text(N_("🌐 Language")), Action(Op.LANG), ("语言", "language", "lang")),
        Button(Text(N_("❓ Help")), Action(Op.HELP), HELP_WORDS),
    )
    blocks = ([notice] if notice else []) + [
        Text(N_("What would you like to do? Choose a service:"))
    ]
    announcements = (subscription.menu_button(),)
    return Reply(tuple(blocks), (*rows(services, 1), announcements, extra[:2], extra[2:]))


def language_menu() -> Reply:
    """The two languages as buttons, each in its own language."""
    buttons = tuple(
        Button(Text.raw(name), Action(Op.LANG, value=loc), LANGUAGE_WORDS[loc])
        for loc, name in LANGUAGE_NAMES.items()
    )
    return Reply((Text(N_("Choose your language:")),), (buttons,))


def progress(runners: Runners, draft: Draft) -> tuple[Text, int, int]:
    """The draft's flow (and part), questions answered and questions counted there, counted
    as on its question screens."""
    spec = runners[draft.flow].spec
    at = position(spec, draft.answers, draft.step)
    title = Text(spec.title)
    if at.part:
        title = Text(N_("{title} · {part}"), {"title": title, "part": Text(at.part)})
    return title, at.answered, at.total


def applications(state: FounderState, runners: Runners, policy: PolicyData) -> Reply:
    """Drafts with their progress, finished guidance, and submissions with their status."""
    lines: list[Text] = [Text(N_("🗂 My applications"))]
    buttons: list[Button] = []
    for flow_id, runner in runners.items():
        draft = state.drafts.get(flow_id)
        if draft is None or runner.spec.desk:  # a desk's draft (an announcement) is no application
            continue
        title = Text(runner.spec.title)
        if draft.finished:
            lines.append(Text(N_("• {title}: completed"), {"title": title}))
            buttons.append(
                Button(Text(N_("📄 {title}"), {"title": title}), Action(Op.VIEW, value=flow_id))
            )
        else:
            where, done, total = progress(runners, draft)
            line = N_("• {title}: {done} of {total} answered")
            if draft.remind_on:  # waiting for a day: the founder sees when they will be told
                line = N_("• {title}: {done} of {total} answered, 🔔 reminder on {date}")
            lines.append(
                Text(
                    line,
                    {
                        "title": where,
                        "done": done,
                        "total": total,
                        "date": Text.raw(draft.remind_on),
                    },
                )
            )
            buttons.append(
                Button(Text(N_("▶️ {title}"), {"title": title}), Action(Op.OPEN, value=flow_id))
            )
    for entry in _cases_first(state.applications):
        reference = str(entry.get("reference", ""))
        lifecycle = lifecycle_of(entry, runners)
        line = N_("  ↳ {reference}: {status}")
        deadline = entry.get("deadline") if isinstance(entry.get("deadline"), dict) else None
        final = lifecycle.statuses.get(str(entry.get("status")))
        if not entry.get("parent"):
            line = N_("• {title} · {reference}: {status}")
            if deadline and not (final and (final.final or final.late)):
                line = N_("• {title} · {reference}: {status}, answer expected by {date}")
        lines.append(
            Text(
                line,
                {
                    "title": programme_title(entry, runners, policy),
                    "reference": reference,
                    "status": status_name(entry.get("status"), lifecycle),
                    "date": Text.raw(str((deadline or {}).get("date", ""))),
                },
            )
        )
        follow = follow_up_buttons(reference, str(entry.get("status")), lifecycle)
        if lifecycle.asks_founder(str(entry.get("status"))) and not entry.get("parent"):
            buttons.append(answer_button(reference))
        elif follow and not entry.get("parent"):
            buttons += follow
        elif not entry.get("parent"):
            view = Action(Op.VIEW, value=reference)
            buttons.append(Button(Text(N_("📄 {reference}"), {"reference": reference}), view))
    if not buttons and not state.applications:
        lines.append(Text(N_("You have no applications yet.")))
    return Reply(tuple(lines), (*rows(buttons, 1), (Button(Text(N_("🏠 Menu")), Action(Op.MENU)),)))


def lifecycle_of(entry: Mapping[str, Any], runners: Runners) -> Lifecycle:
    """The lifecycle of an index line's service (the common one for a service gone)."""
    runner = runners.get(str(entry.get("flow", "")))
    return runner.spec.lifecycle if runner is not None else APPLICATION


def status_update(
    reference: str,
    programme: str,
    status: str,
    note: str,
    policy: PolicyData,
    lifecycle: Lifecycle = APPLICATION,
    flow: str = "",
) -> Reply:
    """What a founder is told when an application's status changes; when the office asks for
    more information, its question and a button to answer it."""
    title = programme_title({"programme": programme, "flow": flow}, {}, policy)
    # a status message has no spec at hand: the noun comes from the service's flow id
    noun = "rating" if flow == RATING else "complaint" if lifecycle is COMPLAINT else ""
    blocks: list[Text] = [
        Text(
            {
                "rating": N_("📬 Your rating {reference} ({title}): {status}."),
                "complaint": N_("📬 Your complaint {reference} ({title}): {status}."),
            }.get(noun, N_("📬 Your application {reference} ({title}): {status}.")),
            {
                "reference": reference,
                "title": title,
                "status": status_name(status, lifecycle),
            },
        )
    ]
    apps = Button(Text(N_("🗂 My applications")), Action(Op.APPS))
    if lifecycle.asks_founder(status):
        if note:  # the status says it is a request: the note is quoted bare, to keep it short
            blocks.append(Text(N_("“{question}”"), {"question": Text.raw(note)}))
        blocks.append(Text(N_("Answer with the button below; you can add documents.")))
        return Reply(tuple(blocks), ((answer_button(reference),), (apps,)))
    if note:
        blocks.append(Text(N_("Note from the office: {note}"), {"note": Text.raw(note)}))
    follow = follow_up_buttons(reference, status, lifecycle)
    if lifecycle.allowed(status, "escalated", "founder"):
        blocks.append(
            Text(
                N_(
                    "The office has not answered by its deadline. You can ask for supervision "
                    "(督办) with the button below."
                )
            )
        )
    if follow:
        return Reply(tuple(blocks), (*rows(follow, 1), (apps,)))
    return Reply(tuple(blocks), ((apps,),))


def _cases_first(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Applications in the order made, each followed by its supplements."""
    children: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        if entry.get("parent"):
            children.setdefault(str(entry["parent"]), []).append(entry)
    cases = [e for e in entries if not e.get("parent")]
    known = {str(e.get("reference")) for e in cases}
    orphans = [e for e in entries if e.get("parent") and str(e["parent"]) not in known]
    ordered = [x for e in cases for x in (e, *children.get(str(e.get("reference")), []))]
    return ordered + orphans


def follow_up_buttons(reference: str, status: str, lifecycle: Lifecycle) -> list[Button]:
    """What the founder may do next about a case in `status`: ask for supervision when it is
    past its deadline, rate the handling once the office gave its last word."""
    buttons = []
    if lifecycle.allowed(status, "escalated", "founder"):
        buttons.append(
            Button(
                Text(N_("📣 Request supervision ({reference})"), {"reference": reference}),
                Action(Op.ESCALATE, value=reference),
            )
        )
    if lifecycle.allowed(status, "rated", "founder"):
        buttons.append(
            Button(
                Text(N_("⭐ Rate the handling ({reference})"), {"reference": reference}),
                Action(Op.RATE, value=reference),
            )
        )
    return buttons


def answer_button(reference: str) -> Button:
    """Opens the answer to an office's question about the application `reference`."""
    return Button(
        Text(N_("✍️ Answer the office ({reference})"), {"reference": reference}),
        Action(Op.SUPPLY, value=reference),
    )


def programme_title(entry: Mapping[str, object], runners: Runners, policy: PolicyData) -> Block:
    """A submission's programme title (a complaint's category, a credit repair's kind of
    record), from the policy data; else its service's title."""
    programme = str(entry.get("programme", ""))
    lookups: tuple[Callable[[str], Any], ...] = (policy.policy, policy.complaint_category)
    if entry.get("flow") == "credit":
        lookups = (policy.credit_record,)
    for lookup in lookups:
        try:
            return cast(Block, lookup(programme).title)
        except KeyError:
            pass
    flow = runners.get(str(entry.get("flow", "")))
    return Text(flow.spec.title) if flow else Text.raw(programme)
