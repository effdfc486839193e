"""Founders of the scale-out run: each files an anonymous complaint (the shortest service that
ends in a submission delivered to an agency) through the webhook sender, typing the free-text
answers in bursts, then is checked: the answers stored in the order they were typed, the bot's
screens in the order of the questions, the reference shown once."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from botapi_stub import BotApiStub
from telegram_harness import at_step, pick_data
from webhook_sender import WebhookSender

from flows.policy.loader import load_policy_data
from flows.shell.registry import all_flows

SPEC = next(s for s in all_flows(load_policy_data()) if s.id == "complaint")
REFERENCE = re.compile(r"SUB-\d{8}-[A-Z0-9]+")
STUCK_S = 15.0  # a screen not shown this long after its update was answered: the founder is stuck
UPDATES_PER_FOUNDER = 15
Predicate = Callable[[dict], bool]


def at(field: str) -> Predicate:
    return at_step(SPEC.index(field), "cmp")


def typed(chat: int) -> dict[str, str]:
    """The founder's free-text answers, their own so a misplaced one is seen."""
    return {
        "respondent": f"District office {chat}",
        "first": f"They charged us a fee, first part {chat}.",
        "second": f"And again, second part {chat}.",
        "happened_on": "2026-10-15",
        "amount": str(5000 + chat % 997),
        "outcome": f"Refund the fee {chat}.",
    }


def expected_answers(chat: int) -> dict[str, str]:
    said = typed(chat)
    answers = {k: said[k] for k in ("respondent", "happened_on", "amount", "outcome")}
    return {**answers, "description": said["first"] + "\n" + said["second"]}


class Stuck(AssertionError):
    """The founder did not see the screen their last answer should have brought."""


@dataclass
class Founder:
    """One founder's chat with the bot through `sender`."""

    sender: WebhookSender
    chat: int

    @property
    def api(self) -> BotApiStub:
        return self.sender.api

    async def screen(self, what: str, predicate: Predicate) -> dict:
        """The newest bot message matching `predicate`: there already when the update was
        answered (the webhook answers after the replies), else waited for up to STUCK_S."""
        deadline = time.monotonic() + STUCK_S
        while True:
            found = [m for m in self.api.messages_to(self.chat) if predicate(m)]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise Stuck(f"chat {self.chat}: no {what} screen")
            await asyncio.sleep(0.1)

    async def tap(self, what: str, predicate: Predicate, op: str, value: str = "") -> None:
        message = await self.screen(what, predicate)
        await self.sender.tap(self.chat, message, pick_data(message, op, value))

    async def file_complaint(self) -> str:
        """From /start to the confirmation; the reference it shows."""
        said = typed(self.chat)
        await self.sender.burst(self.chat, ["/start"])
        await self.tap(
            "menu", lambda m: "a:o:::complaint" in str(BotApiStub.buttons(m)), "o", "complaint"
        )
        await self.tap("category", at("category"), "p", "forced_charges")
        await self.tap("expect", at("expect"), "p", "go")
        await self.tap("respondent type", at("respondent_type"), "p", "government_body")
        await self.screen("respondent", at("respondent"))
        await self.sender.burst(self.chat, [said["respondent"], said["first"], said["second"]])
        both = lambda m: at("description")(m) and said["second"] in m["text"]
        await self.tap("description", both, "d")
        await self.screen("happened on", at("happened_on"))
        await self.sender.burst(self.chat, [said["happened_on"], said["amount"]])
        await self.tap("evidence", at("evidence"), "s")
        await self.screen("outcome", at("outcome"))
        await self.sender.burst(self.chat, [said["outcome"]])
        await self.tap("identity", at("identity"), "p", "anonymous")
        await self.tap("summary", lambda m: "a:y:cmp" in str(BotApiStub.buttons(m)), "y")
        done = await self.screen("confirmation", lambda m: bool(REFERENCE.search(m["text"])))
        match = REFERENCE.search(done["text"])
        assert match is not None
        return match.group()


def shown_steps(api: BotApiStub, chat: int) -> list[int]:
    """The question of every screen the bot sent or edited in `chat`, in the order it did, up
    to the summary (whose buttons name earlier questions)."""
    steps: list[int] = []
    for method, params in api.sent:
        if params.get("chat_id") != chat or method.lower() not in (
            "sendmessage",
            "editmessagetext",
        ):
            continue
        buttons = BotApiStub.buttons({"reply_markup": params.get("reply_markup")})
        if any(d.startswith("a:y:cmp") for _l, d in buttons):
            break
        for _label, data in buttons:
            parts = data.split(":")
            if parts[0] == "a" and parts[2:3] == ["cmp"] and parts[3:4] and parts[3].isdigit():
                steps.append(int(parts[3]))
                break
    return steps


def in_order(steps: list[int]) -> bool:
    """Screens never went back to an earlier question, and every question was shown."""
    path = ("category", "expect", "respondent_type", "respondent", "description", "happened_on")
    path += ("amount", "evidence", "outcome", "identity")
    wanted = [SPEC.index(f) for f in path]
    distinct = [s for i, s in enumerate(steps) if i == 0 or steps[i - 1] != s]
    return distinct == wanted
