"""What happens to a submission after it is sent: its status changes, each with who, when and a
note, kept beside the immutable record; the founder's My applications line follows, and holds
the office's question while the application waits for more information."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis

from flows.engine.address import Address
from flows.engine.lifecycle import APPLICATION
from storage.errors import text, unavailable
from storage.keys import KeyBuilder, shard_of
from storage.outbox import MARK_DELIVERED_FUNCTION, DeliveredWrites
from storage.scripts import SET_KEEPING_TTL

STATUS = re.compile(r"[a-z][a-z_]{0,31}")  # a status id; which exist and follow which: lifecycle
QUESTION_LIMIT = 1000  # characters of an office's question kept on the founder's index line
MAX_SEQUENCE = 2**53 - 1  # compared in Lua, whose numbers are doubles
REPORT_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # an agency's id of one of its reports

# KEYS: events, the case's applied agency reports (a hash), the founder's applications index,
#       the founder's revision
# ARGV: 1 reference, 2 status, 3 the change as JSON, 4 the office's question ('' but for
#       more_info), 5 the time of the change (seconds), 6 the note, 7 the statuses the case must
#       be in (space-separated, '' for any), 8 the report's hash field ('' for a change that is
#       not an agency's report), 9 the agency's sequence field, 10 the report's sequence
# One step decides and records, so concurrent copies of a change record it once: a report id
# applied before is a repeat; a sequence not above the agency's last applied one is stale; the
# latest status with the same note again is a repeat; a case in another status than required
# is left alone. Else the event is kept, the index line follows (it keeps the last 10 changes),
# and the revision is bumped so a founder turn that read the old line commits nothing
# (compare-and-set) and reads again.
# (A function whose parameters are named KEYS and ARGV, so that SETTLE calls it on a part of its
# own.)
RECORD_FUNCTION = (
    SET_KEEPING_TTL
    + """
local function record_status(KEYS, ARGV)
local current, last_note, any = 'submitted', nil, false
local raw = redis.call('LINDEX', KEYS[1], -1)
if raw then
  any = true
  local ok, last = pcall(cjson.decode, raw)
  if ok and type(last) == 'table' then
    if type(last['status']) == 'string' then current = last['status'] end
    if type(last['note']) == 'string' then last_note = last['note'] end
  end
end
local report = ARGV[8] ~= ''
if report then
  local seen = redis.call('HGET', KEYS[2], ARGV[8])
  if seen then return {'repeated', seen} end
  local last_sequence = tonumber(redis.call('HGET', KEYS[2], ARGV[9]) or '0')
  if tonumber(ARGV[10]) <= last_sequence then return {'stale', tostring(last_sequence)} end
end
if any and current == ARGV[2] and last_note == ARGV[6] then
  if report then redis.call('HSET', KEYS[2], ARGV[8], ARGV[2], ARGV[9], ARGV[10]) end
  return {'repeated', current}
end
if ARGV[7] ~= '' and not string.find(' ' .. ARGV[7] .. ' ', ' ' .. current .. ' ', 1, true) then
  return {'ignored', current}
end
redis.call('RPUSH', KEYS[1], ARGV[3])
if report then redis.call('HSET', KEYS[2], ARGV[8], ARGV[2], ARGV[9], ARGV[10]) end
local index_raw = redis.call('GET', KEYS[3])
if not index_raw then return {'recorded', ARGV[2]} end
local index, found = cjson.decode(index_raw), false
for _, entry in ipairs(index) do
  if entry['reference'] == ARGV[1] then
    entry['status'] = ARGV[2]
    entry['question'] = nil
    local history = entry['history'] or {}
    history[#history + 1] = {status = ARGV[2], at = tonumber(ARGV[5])}
    while #history > 10 do table.remove(history, 1) end
    entry['history'] = history
    if ARGV[4] ~= '' then entry['question'] = ARGV[4] end
    found = true
  end
end
if not found then return {'recorded', ARGV[2]} end
set_keeping_ttl(KEYS[3], cjson.encode(index))
redis.call('INCR', KEYS[4])
return {'recorded', ARGV[2]}
end
"""
)
RECORD = RECORD_FUNCTION + "return record_status(KEYS, ARGV)\n"

# A worker's `delivered` and its delivery record in one step, the entry acked (one round trip,
# and never one without the other); nothing when the submission's record is no longer the one
# delivered (its founder erased their data meanwhile): the worker reads it again.
# KEYS: RECORD's four, the submission, then MARK_DELIVERED_FUNCTION's three
# ARGV: RECORD's ten, the SHA-1 of the record delivered, then MARK_DELIVERED_FUNCTION's five
SETTLE = (
    RECORD_FUNCTION
    + MARK_DELIVERED_FUNCTION
    + """
local record = redis.call('GET', KEYS[5])
if not record or redis.sha1hex(record) ~= ARGV[11] then return {'changed', ''} end
local recorded = record_status(
  {KEYS[1], KEYS[2], KEYS[3], KEYS[4]},
  {ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]})
mark_delivered({KEYS[6], KEYS[7], KEYS[8]}, {ARGV[12], ARGV[13], ARGV[14], ARGV[15], ARGV[16]})
return recorded
"""
)


class Outcome(StrEnum):
    """What the record step decided."""

    RECORDED = "recorded"  # a new change: kept, and the founder is to be told
    REPEATED = "repeated"  # its report id was applied before, or it repeats the latest change
    STALE = "stale"  # its sequence is not above the last applied report's of that agency
    IGNORED = "ignored"  # the case is not in a status this change may follow
    UNKNOWN = "unknown"  # no submission has this reference
    CHANGED = "changed"  # settling: the record is not the one delivered (nothing written)


@dataclass(frozen=True)
class AgencyReport:
    """Who sent a status report and which one it is: the agency's id, the report's id (unique
    from that agency) and its sequence (increasing per case from that agency)."""

    agency: str
    report_id: str
    sequence: int

    def __post_init__(self) -> None:
        if not self.agency or ":" in self.agency:
            raise ValueError("an agency id is not empty and holds no ':'")
        if not REPORT_ID.fullmatch(self.report_id):
            raise ValueError("a report id is 1 to 128 of A-Z a-z 0-9 . _ : -")
        if not 0 < self.sequence <= MAX_SEQUENCE:
            raise ValueError(f"a report sequence is from 1 to {MAX_SEQUENCE}")


@dataclass(frozen=True)
class StatusChange:
    """One change of a submission's status: by whom ('agency:<id>', 'staff:<user id>',
    'worker'), when, and the note the founder is shown (may be empty)."""

    reference: str
    founder: Address
    status: str
    note: str
    actor: str
    at: float


@dataclass(frozen=True)
class Recorded:
    """What `StatusStore.record` decided: the change when it was recorded; for a repeat the
    status it repeats, for a stale report the agency's last applied sequence, for an ignored
    change the case's current status (`detail`)."""

    outcome: Outcome
    change: StatusChange | None = None
    detail: str = ""
    settled: bool = False  # the delivery was recorded and its entry acked in the same step


@dataclass(frozen=True)
class Settle:
    """A delivery to record with a worker's `delivered` (`StatusStore.record`): the
    submission's record as it was delivered, and the outbox's writes."""

    record: bytes | str
    writes: DeliveredWrites


class StatusStore:
    """Records status changes; the founder's revision is bumped with each, so a founder turn
    that read the old My applications line retries instead of writing it back."""

    def __init__(self, redis: Redis, keys: KeyBuilder) -> None:
        self.redis = redis
        self.keys = keys
        self._script = redis.register_script(RECORD)
        self._settle = redis.register_script(SETTLE)

    async def record(
        self,
        reference: str,
        status: str,
        note: str,
        actor: str,
        *,
        founder: Address | None = None,
        after: Collection[str] = (),
        report: AgencyReport | None = None,
        settle: Settle | None = None,
    ) -> Recorded:
        """Decide and record a change in one step: only while the case is in one of the
        statuses `after` (any when empty), never the latest status with the same note again,
        and an agency's `report` once and in sequence. A caller that knows the submission's
        founder passes `founder`, saving a read. With `settle` (and `founder`, when
        `settles_in_one_step`), the delivery is recorded in the same step whatever is decided
        (`settled`), unless the submission's record changed (CHANGED, nothing written)."""
        if not all(STATUS.fullmatch(s) for s in (status, *after)):
            raise ValueError(f"unknown status {status!r} or {sorted(after)!r}")
        if settle is not None and not settles_in_one_step(reference, founder, settle.writes):
            raise ValueError(f"cannot settle {reference} with its status: keys of two shards")
        with unavailable():
            return await self._record(
                reference, status, note, actor, founder, after, report, settle
            )

    async def _record(
        self,
        reference: str,
        status: str,
        note: str,
        actor: str,
        founder: Address | None,
        after: Collection[str],
        report: AgencyReport | None,
        settle: Settle | None,
    ) -> Recorded:
        if founder is None:
            blob = await self.redis.get(self.keys.submission(reference))
            if blob is None:
                return Recorded(Outcome.UNKNOWN)
            founder = _founder(json.loads(blob))
        change = StatusChange(reference, founder, status, note, actor, time.time())
        keys = [
            self.keys.case(reference, "events"),
            self.keys.case(reference, "reports"),
            self.keys.founder(founder, "applications"),
            self.keys.founder(founder, "rev"),
        ]
        question = note[:QUESTION_LIMIT] if APPLICATION.asks_founder(status) else ""
        event = json.dumps(_event(change), ensure_ascii=False)
        fields = ("", "", "")
        if report is not None:
            agency = report.agency
            fields = (f"{agency}:id:{report.report_id}", f"{agency}:sequence", str(report.sequence))
        args = [reference, status, event, question, repr(change.at), note, " ".join(after)]
        if settle is None:
            outcome, detail = await self._script(keys=keys, args=[*args, *fields])
        else:
            keys += [self.keys.submission(reference), *settle.writes.keys]
            args += [*fields, _sha1(settle.record), *settle.writes.args]
            outcome, detail = await self._settle(keys=keys, args=args)
        decided = Outcome(text(outcome))
        return Recorded(
            decided,
            change if decided is Outcome.RECORDED else None,
            text(detail),
            settled=settle is not None and decided is not Outcome.CHANGED,
        )

    async def history(self, reference: str) -> list[StatusChange]:
        """Every change recorded for a submission, oldest first."""
        with unavailable():
            raw = await self.redis.lrange(self.keys.case(reference, "events"), 0, -1)
        return [StatusChange(**_fields(json.loads(item))) for item in raw]

    async def current(self, reference: str) -> str | None:
        """The latest status, 'submitted' when nothing happened yet, None for an unknown one."""
        history = await self.history(reference)
        if history:
            return history[-1].status
        with unavailable():
            exists = await self.redis.exists(self.keys.submission(reference))
        return "submitted" if exists else None


def settles_in_one_step(reference: str, founder: Address | None, writes: DeliveredWrites) -> bool:
    """Whether SETTLE's keys share one hash tag (a script's keys must, on a Cluster): the
    founder's and the reference's shard are one (as the bot draws them), and the writes are
    the reference's and ack its entry (`delivered_writes` acks only on the reference's shard)."""
    return (
        founder is not None
        and shard_of(founder.key) == shard_of(reference)
        and writes.args[2] == reference
        and bool(writes.args[4])
    )


def _event(change: StatusChange) -> dict[str, Any]:
    """A change as its stored JSON holds it, the founder as their address key (what
    `dataclasses.asdict` and the founder's `str` gave, at a fraction of asdict's cost)."""
    return {
        "reference": change.reference,
        "founder": str(change.founder),
        "status": change.status,
        "note": change.note,
        "actor": change.actor,
        "at": change.at,
    }


def _sha1(record: bytes | str) -> str:
    """The hex SHA-1 of a stored record, as Lua's redis.sha1hex gives it."""
    return hashlib.sha1(record.encode() if isinstance(record, str) else record).hexdigest()


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    known = {k: data[k] for k in StatusChange.__dataclass_fields__ if k in data}
    return known | {"founder": _founder(data)}


def _founder(data: dict[str, Any]) -> Address:
    """Who a record belongs to; records written before channels hold a Telegram `user_id`."""
    return Address.parse(str(data.get("founder", data.get("user_id"))))
