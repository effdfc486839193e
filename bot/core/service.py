"""The channel-neutral conversation service: one update in, rendered replies out, state saved.

adapter → `handle` → per-founder turn (in-process FIFO, then Redis, kept by a heartbeat) →
`Conversation` decides → `FounderStore.commit` → renderer → the adapter's `deliver`, still inside
the founder's in-process turn so replies go out in the order the updates came in.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any, Protocol

from bot.core import metrics
from bot.core.channel import ChannelError
from bot.core.files import Fetch, with_content
from bot.core.flood import FloodGate
from bot.core.i18n import locale_for
from bot.core.references import new_reference
from bot.core.reminders import DraftReminders, planned
from bot.core.render import RenderedMessage, Renderer
from flows.engine.address import Address
from flows.engine.audience import Subscriber
from flows.engine.draft import FounderState
from flows.engine.events import Event
from flows.engine.outcome import Reply
from flows.engine.periods import SHANGHAI
from flows.engine.text import N_, Text
from flows.shell.conversation import ANNOUNCE, REAUDIENCE, Conversation
from flows.shell.privacy import ERASE, EXPORT, erased
from storage.errors import (
    DraftConflict,
    Duplicate,
    ReferenceTaken,
    StorageError,
    StorageUnavailable,
)
from storage.founders import FounderStore, Turn
from storage.keys import shard_of
from storage.subscribers import subscriber_of

log = logging.getLogger(__name__)
Deliver = Callable[[list[RenderedMessage], str], Awaitable[None]]
SendFile = Callable[[Address, str, bytes, str], Awaitable[str]]  # to, name, content, caption
MAX_CONFLICT_RETRIES = 5
ANSWERED_KEPT = 10_000  # update ids whose replies this process sent, for `_again`
CANT_SAVE = N_(
    "Sorry, I can't save your answer right now. Nothing you answered before is lost; please try "
    "again in a minute."
)
WENT_WRONG = N_(
    "Sorry, something went wrong with that message. Your answers so far are kept; please try "
    "again, or send /start."
)
EXPORT_CAPTION = N_(
    "Everything this bot stores about you, as of {date}. It includes your ID number and "
    "mobile in full: keep this file safe."
)
EXPORT_FAILED = N_(
    "Sorry, I could not send you the file just now. Please send /mydata again later."
)
ERASE_UNSURE = N_(
    "Sorry, I could not finish erasing your data just now. Please send /deleteme again in a "
    "minute: it is safe to repeat."
)
FLOOD_NOTICE = N_(
    "You are sending messages faster than I can answer, so I skipped some. Please wait a "
    "moment, then send your answer again."
)


class _NeedsTurn(Exception):
    """What the warm path cannot do without a turn begun in Redis (an erasure)."""


class Announcements(Protocol):
    """What the service needs of the broadcast desk (`bot.core.announcements`)."""

    async def compose(
        self, author: Address, announcement: Any, locale: str, deliver: Deliver
    ) -> bool:
        """Preview it; False when the audience must be chosen again (the composer goes back)."""
        ...

    async def forget(self, founder: Address) -> None: ...


@dataclass(frozen=True)
class Said:
    """What a turn answered: the replies in a language, and what storage must do after it
    (`FounderState.request`), with the references the founder's index held."""

    messages: list[RenderedMessage]
    locale: str
    request: str = ""
    references: tuple[str, ...] = ()
    announcement: Any = None  # with request "announce": the commissioner's, for the desk
    again: bool = False  # the current screen, for an update handled before (`_again`)


@dataclass(frozen=True)
class Founder:
    """Who sent an update, narrowed from the channel: an address and the client's language hint."""

    address: Address
    language_code: str | None = None


def _kept(turn: Turn, messages: list[RenderedMessage]) -> str | None:
    """What a turn that submits keeps of its answer, for `_again`: the texts, with the
    reference. Not for an anonymous tip-off, which is linked to no one: nothing of the founder's
    may name it (sent again, they are shown the menu)."""
    new = turn.state.new_submissions
    if not new or turn.update_id is None or any(s.founder != turn.state.founder for s in new):
        return None
    return json.dumps({"update": turn.update_id, "texts": [m.text for m in messages]})


def _listing(state: FounderState) -> tuple[Subscriber | None, float]:
    """What the announcements index holds of the founder, and their opt-in moment: when either
    changes in a turn, the index is synced after the commit."""
    return subscriber_of(state), state.prefs.since


class FounderLocks:
    """FIFO locks per founder inside one process; a lock is dropped when nobody waits on it."""

    def __init__(self) -> None:
        self._locks: dict[Address, tuple[asyncio.Lock, int]] = {}

    def hold(self, founder: Address) -> _Held:
        return _Held(self, founder)


class _Held:
    def __init__(self, locks: FounderLocks, founder: Address) -> None:
        self.locks, self.founder = locks, founder

    async def __aenter__(self) -> None:
        lock, users = self.locks._locks.get(self.founder, (asyncio.Lock(), 0))
        self.locks._locks[self.founder] = (lock, users + 1)
        await lock.acquire()

    async def __aexit__(self, *exc: object) -> None:
        lock, users = self.locks._locks[self.founder]
        lock.release()
        if users <= 1:
            del self.locks._locks[self.founder]
        else:
            self.locks._locks[self.founder] = (lock, users - 1)


class ConversationService:
    """Runs the conversation for every channel (Telegram, the local chat, later web chat)."""

    def __init__(
        self,
        conversation: Conversation,
        store: FounderStore,
        renderer: Renderer,
        *,
        default_locale: str = "zh_CN",
        fallback_locale: str = "en",
        fetch: Fetch | None = None,
        flood: FloodGate | None = None,
        send_file: SendFile | None = None,
        settle_for: float = 30.0,
        reminders: DraftReminders | None = None,
        clock: Callable[[], float] = time.time,
        announcements: Announcements | None = None,
    ) -> None:
        self.conversation = conversation
        self.fetch = fetch  # reads founders' files before their turn; without it none is taken
        self.store = store
        self.send_file = send_file  # sends a founder their data export; without it none is
        self.renderer = renderer
        self.default_locale = default_locale
        self.fallback_locale = fallback_locale
        self._locks = FounderLocks()
        self.flood = flood if flood is not None else FloodGate()  # an empty gate is falsy
        self.settle_for = settle_for  # how long to find out whether an unanswered commit landed
        self.reminders = reminders  # the timed reminders drafts ask for; without it none is sent
        self.clock = clock  # epoch seconds; the founders' day is Shanghai's (`today`)
        self.announcements = announcements  # previews a commissioner's composed announcement
        self._answered: OrderedDict[int, None] = OrderedDict()  # updates whose replies went out

    def locale(self, stored: str | None, founder: Founder) -> str:
        return locale_for(
            stored,
            founder.language_code,
            default=self.default_locale,
            fallback=self.fallback_locale,
        )

    async def handle(
        self, founder: Founder, event: Event, deliver: Deliver, update_id: int | None = None
    ) -> None:
        """Apply one update and deliver the replies, in this founder's arrival order. A file is
        read first, inside the founder's turn (theirs wait, no one else's)."""
        started = time.perf_counter()
        admitted, tell = self.flood.admit(founder.address)
        if not admitted:  # faster than anyone types: not processed, the founder told once
            log.warning("founder %s: flood, update %s dropped", founder.address, update_id)
            metrics.update_taken(event.kind, "flood_dropped")
            if tell:
                await self._tell(founder, deliver, FLOOD_NOTICE)
            return
        async with self._locks.hold(founder.address):
            event = await with_content(founder.address, event, self.fetch)
            try:
                outcome = await self._apply(founder, event, update_id)
            except StorageError as exc:
                log.warning(
                    "storage failed for founder %s: %s", founder.address, type(exc).__name__
                )
                metrics.storage_failed("turn", exc)
                await self._tell(founder, deliver, CANT_SAVE)
                metrics.update_taken(event.kind, "storage_failed", started)
                return
            except Exception as exc:  # every update gets an answer; the turn was released
                log.error("update failed for founder %s: %s", founder.address, type(exc).__name__)
                log.debug("the failure in full (may hold input)", exc_info=True)
                await self._tell(founder, deliver, WENT_WRONG)
                metrics.update_taken(event.kind, "failed", started)
                return
            if outcome is None or outcome.again:
                if outcome is not None:
                    await deliver(outcome.messages, outcome.locale)
                metrics.update_taken(event.kind, "duplicate", started)
            else:
                await deliver(outcome.messages, outcome.locale)
                self._delivered(update_id)
                if outcome.request == EXPORT:
                    await self._export(founder, outcome, deliver)
                if outcome.request == ANNOUNCE and self.announcements is not None:
                    await self._preview(founder, outcome, deliver)
                metrics.update_taken(event.kind, "ok", started)

    async def _preview(self, founder: Founder, said: Said, deliver: Deliver) -> None:
        """The desk previews a composed announcement; when it cannot (nobody in the audience,
        districts the commissioner may not send to), the composer goes back to the audience
        with the rest kept, in a turn of its own (`/announce audience`)."""
        assert self.announcements is not None
        if await self.announcements.compose(
            founder.address, said.announcement, said.locale, deliver
        ):
            return
        back = await self._apply(founder, Event.of_command(ANNOUNCE, REAUDIENCE), None)
        if back is not None:
            await deliver(back.messages, back.locale)

    async def stored_locale(self, founder: Founder) -> str:
        """The founder's language outside a turn: their stored choice, else their client's."""
        return self.locale((await self.store.prefs(founder.address)).lang, founder)

    def today(self, now: float | None = None) -> date:
        """The date in Shanghai (UTC+8, no daylight saving) at `now` (the clock's if None):
        a founder's "today" whatever the server's time zone."""
        return datetime.fromtimestamp(self.clock() if now is None else now, SHANGHAI).date()

    async def _tell(self, founder: Founder, deliver: Deliver, msgid: str) -> None:
        """One short message outside the conversation, in the client's language."""
        locale = self.locale(None, founder)
        await deliver([self.renderer.render(Reply((Text(msgid),)), locale)], locale)

    async def _export(self, founder: Founder, said: Said, deliver: Deliver) -> None:
        """Send the founder everything stored about them as a JSON file, after the summary."""
        try:
            data = await self.store.privacy.export(founder.address, said.references)
            if self.send_file is None:
                raise ChannelError("this process cannot send files")
            content = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
            today = self.today().isoformat()
            caption = self.renderer.text(Text(EXPORT_CAPTION, {"date": today}), said.locale)
            await self.send_file(founder.address, f"mydata-{today}.json", content, caption)
        except (StorageError, ChannelError) as exc:
            log.warning("export for founder %s failed: %s", founder.address, type(exc).__name__)
            await deliver(
                [self.renderer.render(Reply((Text(EXPORT_FAILED),)), said.locale)], said.locale
            )
            return
        log.info("founder %s: data export sent", founder.address)

    async def _apply(self, founder: Founder, event: Event, update_id: int | None) -> Said | None:
        """The warm path first: the founder's state as this process last committed it, applied
        and committed in one round trip (`FounderStore.cached`); when it is not kept, or Redis
        says another turn or process came in between, a turn read from Redis, its lease kept
        alive by a heartbeat while it waits and runs (however long a step or Redis takes), so
        the lease itself can be short."""
        if update_id is not None and (cached := self.store.cached(founder.address, update_id)):
            try:
                return await self._attempt(founder, event, cached, [])
            except Duplicate:
                return await self._again(founder, update_id)
            except (DraftConflict, _NeedsTurn) as retry:
                log.info("founder %s: %s, reading again", founder.address, type(retry).__name__)
                if isinstance(retry, DraftConflict):
                    metrics.conflicted(retry)
        token = self.store.new_token()
        async with self.store.heartbeat(founder.address, token):
            return await self._turns(founder, event, update_id, token)

    async def _turns(
        self, founder: Founder, event: Event, update_id: int | None, token: str
    ) -> Said | None:
        said: list[Said] = []  # the last attempt's answer
        for _ in range(MAX_CONFLICT_RETRIES):
            turn = await self.store.begin(founder.address, update_id, token=token)
            if turn is None:
                if said:  # our commit landed, only its reply was lost: say it now
                    log.info("founder %s: update %s was saved before", founder.address, update_id)
                    return said[-1]
                return await self._again(founder, update_id)
            try:
                return await self._attempt(founder, event, turn, said)
            except (DraftConflict, ReferenceTaken) as retry:
                log.info("founder %s: %s, applying again", founder.address, type(retry).__name__)
                metrics.conflicted(retry)
            except StorageUnavailable:
                raise  # settled already (`_landed`): the turn is over
            except BaseException:
                await self.store.release(founder.address, turn.token)
                raise
        raise DraftConflict(f"founder {founder.address}: too many conflicts")

    def _delivered(self, update_id: int | None) -> None:
        """Remember that this process sent the replies of the update (the latest ANSWERED_KEPT)."""
        if update_id is not None:
            self._answered[update_id] = None
            if len(self._answered) > ANSWERED_KEPT:
                self._answered.popitem(last=False)

    async def _again(self, founder: Founder, update_id: int | None) -> Said | None:
        """An update handled before, sent again (by Telegram, after no answer or an error). If
        this process sent its replies, nothing more. Otherwise the process that saved it may
        have died before sending them: the founder is shown where their saved answers left them
        (at worst a screen twice; never a saved answer without its next question, which a
        founder would answer by typing the last answer again)."""
        log.info("founder %s: update %s already handled", founder.address, update_id)
        if update_id is None or update_id in self._answered:
            return None
        state, kept = await self.store.again(founder.address)
        locale = self.locale(state.prefs.lang, founder)
        now = self.clock()
        replies = self.conversation.where(state, now, self.today(now), locale=locale)
        texts = kept.get("texts") if kept.get("update") == update_id else None
        first = [RenderedMessage(t) for t in texts if isinstance(t, str)] if texts else []
        return Said(first + self.renderer.render_all(replies, locale), locale, again=True)

    async def _attempt(self, founder: Founder, event: Event, turn: Turn, said: list[Said]) -> Said:
        """Apply the event to the turn's state and commit it; what to answer. A refused commit
        (DraftConflict and its kinds, Duplicate) wrote nothing; the caller decides what next."""
        now = self.clock()
        today = self.today(now)
        state = turn.state
        before = planned(state)
        listed = _listing(state)
        locale = self.locale(state.prefs.lang, founder)
        replies = self.conversation.handle(
            state,
            event,
            now,
            today,
            locale=locale,
            reference=partial(new_reference, today, shard=shard_of(founder.address.key)),
        )
        locale = self.locale(state.prefs.lang, founder)  # the turn may have changed it
        references = tuple(str(e.get("reference", "")) for e in state.applications)
        if state.request == ERASE:
            if not turn.token:
                raise _NeedsTurn("an erasure runs in a turn begun in Redis")
            self.store.forget(founder.address)
            erased_said = await self._erase(founder, turn.token, state, references, locale)
            await self._unremind(founder.address, before, {})
            return erased_said
        messages = self.renderer.render_all(replies, locale)
        said.append(Said(messages, locale, state.request, references, state.announcement))
        after = planned(state)
        if self.reminders is not None and after != before:
            await self.reminders.schedule(founder.address, before, after)
        try:
            await self.store.commit(turn, _kept(turn, messages))
        except StorageUnavailable:
            if await self._landed(turn):
                return said[-1]  # the commit's answer was lost on the way back; it was saved
            raise
        await self._unremind(founder.address, before, planned(state))
        subscribers = self.store.subscribers
        if _listing(state) != listed or founder.address in subscribers.pending:
            await subscribers.sync(state)  # never raises: a failure is retried later
        log.info(
            "founder %s: %s → flow=%s", founder.address, event.kind.value, state.prefs.active or "-"
        )
        return said[-1]

    async def _unremind(
        self, founder: Address, before: dict[str, str], after: dict[str, str]
    ) -> None:
        """After the commit: cancel the reminders no draft asks for any more. Best effort: an
        event left behind finds no draft asking for it and reminds no one."""
        if self.reminders is None or not set(before) - set(after):
            return
        try:
            await self.reminders.cancel(founder, before, after)
        except StorageError as exc:
            log.warning("founder %s: a reminder was not cancelled: %s", founder, type(exc).__name__)

    async def _erase(
        self,
        founder: Founder,
        token: str,
        state: FounderState,
        references: tuple[str, ...],
        locale: str,
    ) -> Said:
        """Erase instead of committing; the founder is told what was done, or, when storage
        failed part-way, that it is safe to ask again (erasure can be repeated)."""
        try:
            done = await self.store.privacy.erase(founder.address, token, references)
        except StorageError as exc:
            log.warning("erasure for founder %s failed: %s", founder.address, type(exc).__name__)
            await self.store.release(founder.address, token)
            unsure = Reply((Text(ERASE_UNSURE),))
            return Said(self.renderer.render_all([unsure], locale), locale)
        if self.announcements is not None:
            try:  # announcements sent them name them too; best effort, retried on asking again
                await self.announcements.forget(founder.address)
            except StorageError as exc:
                log.warning("erasure: broadcasts not scrubbed: %s", type(exc).__name__)
        replies = [erased(len(state.drafts), done.unlinked, done.withdrawn)]
        return Said(self.renderer.render_all(replies, locale), locale)

    async def _landed(self, turn: Turn) -> bool:
        """Whether a commit whose outcome is unknown was saved (its update id is recorded with
        it, in the same script). Settling it also makes sure one that did not land never will,
        so the founder is told the truth; Redis is asked again, for up to `settle_for` seconds,
        while the founder's later updates wait. False when it could not be asked at all."""
        deadline, pause = time.monotonic() + self.settle_for, 0.05
        while True:
            try:
                return await self.store.settle(turn)
            except StorageUnavailable:
                if time.monotonic() + pause > deadline:
                    log.error("founder %s: a commit could not be settled", turn.state.founder)
                    self.store.abandon(turn.state.founder, turn.token)
                    return False
                await asyncio.sleep(pause)
                pause = min(pause * 2, 2.0)
