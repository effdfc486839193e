"""Roles granted by the bot's admins: "commissioner" (perhaps for some districts only) and
"staff" (of one agency), with every grant and revoke recorded (who, whom, when).

A member's own grants live in their founder key space (`roles`), so the founder's turn reads
them in its one BEGIN round trip; the `roles` hash indexes every holder for listing, and the
`roles:log` stream is the audit trail. A grant or revoke writes all three in one script.
The member's own record is the truth: an erasure (/deleteme) deletes it with the rest of their
key space, and the index line left behind is ignored and pruned when the holders are listed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis

from flows.engine.address import Address
from flows.engine.districts import by_code
from storage.errors import text, unavailable
from storage.keys import SHARDS, KeyBuilder, shard_of, stream_order

COMMISSIONER, STAFF = "commissioner", "staff"
ROLES = (COMMISSIONER, STAFF)
LOG_KEPT = 10_000

# KEYS: the member's roles record, the index, the log, the member's revision (bumped: a process
#       that keeps the member's state, storage.founders `cached`, reads it again)
# ARGV: member, role, the grant (JSON), by, at, districts (comma-separated), agency, log length
# Grants never hold an empty list (cjson would write it back as {}): no districts is no key.
GRANT = """
local raw = redis.call('GET', KEYS[1])
local roles = raw and cjson.decode(raw) or {}
if type(roles) ~= 'table' then roles = {} end
roles[ARGV[2]] = cjson.decode(ARGV[3])
local encoded = cjson.encode(roles)
redis.call('SET', KEYS[1], encoded)
redis.call('HSET', KEYS[2], ARGV[1], encoded)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], '*', 'action', 'grant', 'role', ARGV[2],
  'member', ARGV[1], 'by', ARGV[4], 'at', ARGV[5], 'districts', ARGV[6], 'agency', ARGV[7])
redis.call('INCR', KEYS[4])
return 1
"""

# KEYS: as GRANT; ARGV: member, role, by, at, log length. Replies 1 if the role was held.
REVOKE = """
local raw = redis.call('GET', KEYS[1])
if not raw then
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 0
end
local roles = cjson.decode(raw)
if type(roles) ~= 'table' or roles[ARGV[2]] == nil then return 0 end
local old = roles[ARGV[2]]
roles[ARGV[2]] = nil
if next(roles) == nil then
  redis.call('DEL', KEYS[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  local encoded = cjson.encode(roles)
  redis.call('SET', KEYS[1], encoded)
  redis.call('HSET', KEYS[2], ARGV[1], encoded)
end
local districts = ''
if type(old) == 'table' and type(old['districts']) == 'table' then
  districts = table.concat(old['districts'], ',')
end
local agency = type(old) == 'table' and old['agency'] or ''
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'action', 'revoke', 'role', ARGV[2],
  'member', ARGV[1], 'by', ARGV[3], 'at', ARGV[4], 'districts', districts, 'agency', agency)
redis.call('INCR', KEYS[4])
return 1
"""

# KEYS: the member's roles record, the index; ARGV: member. Drops an index line whose member's
# record is gone (erased), and only then: a grant in between wrote the record again.
PRUNE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.call('HDEL', KEYS[2], ARGV[1]) end
return 0
"""


@dataclass(frozen=True)
class Grant:
    """One role held: by whose grant (an address), when (epoch seconds), and its scope:
    a commissioner's `districts` (codes; empty = all), a staff member's `agency`."""

    role: str
    by: str
    at: int
    districts: tuple[str, ...] = ()
    agency: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"by": self.by, "at": self.at}
        if self.districts:
            data["districts"] = list(self.districts)
        if self.agency:
            data["agency"] = self.agency
        return data

    @classmethod
    def from_json(cls, role: str, data: Any) -> Grant:
        data = data if isinstance(data, dict) else {}
        districts = data.get("districts")
        return cls(
            role,
            str(data.get("by", "")),
            int(data.get("at", 0) or 0),
            tuple(str(d) for d in districts) if isinstance(districts, list) else (),
            str(data.get("agency", "")),
        )


def grants(raw: Any) -> dict[str, Grant]:
    """A member's roles record (as `FounderState.roles` holds it) read as grants."""
    if not isinstance(raw, dict):
        return {}
    return {role: Grant.from_json(role, data) for role, data in raw.items() if role in ROLES}


@dataclass(frozen=True)
class Holder:
    """A member and one role they hold, for listing."""

    member: Address
    grant: Grant


class RoleStore:
    """Grants, revokes, reads and lists roles; every change audited in the same script."""

    def __init__(self, redis: Redis, keys: KeyBuilder, *, clock: Any = time.time) -> None:
        self.redis = redis
        self.keys = keys
        self.clock = clock
        self._grant = redis.register_script(GRANT)
        self._revoke = redis.register_script(REVOKE)
        self._prune = redis.register_script(PRUNE)

    def _keys(self, member: Address) -> list[str]:
        shard = shard_of(member.key)  # the index and log beside the member's record
        return [
            self.keys.founder(member, "roles"),
            self.keys.roles(shard),
            self.keys.roles_log(shard),
            self.keys.founder(member, "rev"),
        ]

    async def grant(
        self,
        member: Address,
        role: str,
        by: Address,
        *,
        districts: tuple[str, ...] | list[str] = (),
        agency: str = "",
    ) -> Grant:
        """Give `member` the role (replacing an earlier grant of it); ValueError for an unknown
        role or district code, or a staff grant without an agency."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        if role == STAFF and not agency:
            raise ValueError("a staff grant needs an agency")
        unknown = [d for d in districts if by_code(d) is None]
        if unknown:
            raise ValueError(f"unknown district codes {unknown}")
        scope = tuple(dict.fromkeys(districts)) if role == COMMISSIONER else ()
        grant = Grant(role, str(by), int(self.clock()), scope, agency if role == STAFF else "")
        args: list[str | int] = [str(member), role, json.dumps(grant.to_json()), grant.by]
        args += [grant.at, ",".join(scope), grant.agency, LOG_KEPT]
        with unavailable():
            await self._grant(keys=self._keys(member), args=args)
        return grant

    async def revoke(self, member: Address, role: str, by: Address) -> bool:
        """Take the role away; whether the member held it (only then is it recorded)."""
        args: list[str | int] = [str(member), role, str(by), int(self.clock()), LOG_KEPT]
        with unavailable():
            return bool(await self._revoke(keys=self._keys(member), args=args))

    async def of(self, member: Address) -> dict[str, Grant]:
        """The member's grants by role, from their own record (the truth)."""
        with unavailable():
            raw = await self.redis.get(self.keys.founder(member, "roles"))
        return grants(json.loads(raw)) if raw else {}

    async def members(self, role: str | None = None) -> list[Holder]:
        """Who holds `role` (every role when None), oldest grant first. Index lines whose
        member's record was erased are left out and pruned."""
        holders: list[Holder] = []
        for shard in range(SHARDS):
            holders += await self._members(shard, role)
        return sorted(holders, key=lambda h: (h.grant.at, str(h.member), h.grant.role))

    async def _members(self, shard: int, role: str | None) -> list[Holder]:
        with unavailable():
            index = cast(dict[bytes, bytes], await self.redis.hgetall(self.keys.roles(shard)))
            members = [Address.parse(text(m)) for m in index]
            keys = [self.keys.founder(m, "roles") for m in members]  # one slot: the shard's
            records = cast(list[bytes | None], await self.redis.mget(keys) if keys else [])
            holders: list[Holder] = []
            for member, raw in zip(members, records, strict=True):
                if raw is None:
                    await self._prune(keys=self._keys(member)[:2], args=[str(member)])
                    continue
                for name, grant in grants(json.loads(raw)).items():
                    if role is None or name == role:
                        holders.append(Holder(member, grant))
        return holders

    async def log(self, count: int = 20) -> list[dict[str, str]]:
        """The latest grants and revokes, newest first (each with its stream `id`)."""
        found: list[dict[str, str]] = []
        with unavailable():
            for shard in range(SHARDS):
                page = await self.redis.xrevrange(self.keys.roles_log(shard), count=count)
                found += [
                    {"id": text(entry_id)} | {text(k): text(v) for k, v in fields.items()}
                    for entry_id, fields in cast(list[tuple[bytes, dict[bytes, bytes]]], page)
                ]
        return sorted(found, key=lambda e: stream_order(e["id"]), reverse=True)[:count]
