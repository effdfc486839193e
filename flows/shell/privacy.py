"""The founder's data rights on screen (PIPL Art. 44–47): what is stored about them, and its
erasure after a confirmation. The service does what only storage can (`FounderState.request`):
it sends the full export as a file and erases the records."""

from __future__ import annotations

from flows.engine.draft import FounderState
from flows.engine.outcome import Action, Button, Op, Reply
from flows.engine.spec import Context
from flows.engine.text import N_, Text
from flows.policy.loader import PolicyData
from flows.shell.menu import LANGUAGE_NAMES, Runners, lifecycle_of, programme_title, progress
from flows.shell.statuses import status_name

LISTED = 4  # drafts or applications named on the summary; the file holds every one
EXPORT, ERASE = "export", "erase"


def my_data(state: FounderState, runners: Runners, policy: PolicyData) -> list[Reply]:
    """A readable summary of what is stored; the service sends the complete file after it."""
    state.request = EXPORT
    lines = [Text(N_("🔐 What I store about you"))]
    language = LANGUAGE_NAMES.get(state.prefs.lang or "")
    lines.append(
        Text(N_("• Language: {language}"), {"language": Text.raw(language)})
        if language
        else Text(N_("• Language: not chosen (I follow your Telegram setting)"))
    )
    lines.append(
        Text(
            N_("• Profile kept for your next application: {count} answers"),
            {"count": len(state.profile)},
        )
        if state.profile
        else Text(N_("• Profile: nothing kept"))
    )
    drafts = [d for d in state.drafts.values() if d.flow in runners]
    for draft in drafts[:LISTED]:
        where, done, total = progress(runners, draft)
        lines.append(
            Text(
                N_("• Draft: {title}, {done} of {total} answered"),
                {"title": where, "done": done, "total": total},
            )
        )
    for entry in state.applications[:LISTED]:
        lines.append(
            Text(
                N_("• {reference} ({title}): {status}"),
                {
                    "reference": str(entry.get("reference", "")),
                    "title": programme_title(entry, runners, policy),
                    "status": status_name(entry.get("status"), lifecycle_of(entry, runners)),
                },
            )
        )
    more = max(0, len(drafts) - LISTED) + max(0, len(state.applications) - LISTED)
    if more:
        lines.append(Text(N_("• … and {count} more in the file"), {"count": more}))
    lines.append(
        Text(
            N_(
                "The file that follows holds all of it in full, your ID number and mobile "
                "included: keep it safe. To erase your data, send /deleteme."
            )
        )
    )
    return [Reply(tuple(lines), ((_back(state, N_("▶️ Continue")), _erase_button()),))]


def _back(state: FounderState, label: str) -> Button:
    """Back to the open flow, or to the menu."""
    active = state.prefs.active
    if active in state.drafts and not state.drafts[active].finished:
        return Button(Text(label), Action(Op.OPEN, value=active))
    return Button(Text(N_("🏠 Menu")), Action(Op.MENU))


def _erase_button() -> Button:
    return Button(Text(N_("🗑 Erase my data")), Action(Op.ERASE_ASK))


def erase_confirm(state: FounderState, ctx: Context) -> Reply:
    """What erasure deletes, what stays with the offices and why; erasing needs a tap."""
    return Reply(
        (
            Text(N_("🗑 Erase your data?")),
            Text(
                N_(
                    "I will delete your profile, language, unfinished drafts and your list of "
                    "applications, and remove your link to what you submitted: you will get no "
                    "more status updates here."
                )
            ),
            Text(
                N_(
                    "Applications already delivered are the receiving office's record and stay "
                    "with it; my copy keeps only the reference, office, dates and statuses, "
                    "without your answers or files. An application not yet delivered is "
                    "withdrawn and not sent. This cannot be undone."
                )
            ),
        ),
        (
            (Button(Text(N_("🗑 Yes, erase my data")), Action(Op.ERASE)),),
            (_back(state, N_("↩️ Keep my data")),),
        ),
    )


def erase(state: FounderState) -> list[Reply]:
    """Asks the service to erase; it tells the founder with `erased` once it has (and only
    then), in the counts storage reports."""
    state.request = ERASE
    return []


def erased(drafts: int, unlinked: int, withdrawn: int) -> Reply:
    """What the founder is told after the erasure."""
    blocks = [
        Text(
            N_(
                "Done: your data is erased. Your profile and preferences are deleted; drafts "
                "deleted: {drafts}; applications no longer linked to you: {unlinked}."
            ),
            {"drafts": drafts, "unlinked": unlinked},
        )
    ]
    if withdrawn:
        blocks.append(
            Text(
                N_("Not yet delivered, so withdrawn and not sent: {count}."),
                {"count": withdrawn},
            )
        )
    blocks.append(Text(N_("If you write to me again, I start afresh.")))
    return Reply(tuple(blocks), ((Button(Text(N_("🏠 Menu")), Action(Op.MENU)),),))
