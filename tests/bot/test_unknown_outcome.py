"""What a founder is told matches what is stored when Redis loses a commit's answer: the
commit ran (its update id is recorded with it), so the founder gets the reply once and the
answer is in its question once; a commit that did not run is told as not saved."""

from __future__ import annotations

from bot.config import Settings
from bot.core.service import Founder
from bot.wiring import create_app
from flows.engine.address import Address
from flows.engine.events import Event
from storage.errors import StorageUnavailable
from storage.founders import FounderStore, Turn

FOUNDER = Founder(Address.telegram(91), "en")


class LostReply(FounderStore):
    """Real commits on real Redis; the first one's reply is lost on the way back."""

    lost = 0

    async def commit(self, turn: Turn, said: str | None = None) -> str:
        revision = await super().commit(turn, said)
        if not self.lost:
            self.lost += 1
            raise StorageUnavailable("connection reset after the script ran")
        return revision


class RanTwice(FounderStore):
    """The client retried a commit whose reply was lost: the script runs a second time."""

    async def commit(self, turn: Turn, said: str | None = None) -> str:
        token, revision, update_id = turn.token, turn.revision, turn.update_id
        await super().commit(turn, said)
        again = Turn(turn.state, token, revision, update_id)
        again.state.touch("prefs")
        return await super().commit(again)  # compare-and-set: the revision moved, a conflict


class NeverRan(FounderStore):
    async def commit(self, turn: Turn, said: str | None = None) -> str:
        raise StorageUnavailable("Redis went away before the script ran")


async def founder_told(redis, redis_url, key_prefix, store_class) -> tuple[list[str], object]:
    app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)
    real = app.store
    store = store_class(
        redis, real.flows, cipher=real.cipher, sensitive=real.sensitive, keys=real.keys
    )
    app.service.store = store
    told: list[str] = []

    async def deliver(messages, locale):
        told.extend(m.text for m in messages)

    await app.service.handle(FOUNDER, Event.of_command("start", "registration"), deliver, 10)
    told.clear()
    await app.service.handle(FOUNDER, Event.of_text("Limited company"), deliver, 11)
    return told, await real.peek(FOUNDER.address)


async def test_a_lost_reply_is_recognised_and_the_founder_told_once(redis, redis_url, key_prefix):
    told, state = await founder_told(redis, redis_url, key_prefix, LostReply)
    assert len(told) == 1 and "step 2" in told[0] and "can't save" not in told[0]
    assert state.drafts["registration"].answers == {"business_form": "llc"}


async def test_a_commit_run_twice_is_recognised(redis, redis_url, key_prefix):
    told, state = await founder_told(redis, redis_url, key_prefix, RanTwice)
    assert len(told) == 1 and "step 2" in told[0]
    assert state.drafts["registration"].answers == {"business_form": "llc"}


async def test_a_commit_that_did_not_run_is_told_as_not_saved(redis, redis_url, key_prefix):
    told, state = await founder_told(redis, redis_url, key_prefix, NeverRan)
    assert len(told) == 1 and "can't save" in told[0]
    assert "registration" not in state.drafts or not state.drafts["registration"].answers
