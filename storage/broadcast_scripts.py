"""The Lua scripts of `storage.broadcasts`: each moves recipients of one broadcast between
`pending`, `sending` (claimed, with a lease) and their `outcome`, all or nothing.

Every script takes the same keys of one broadcast (one Cluster slot): state, pending, sending,
tokens, outcome, members. A recipient is an entry `<address>|<lang>`; it leaves `pending` once
(LPOP), so no second claim can ever get it: a send whose outcome is unknown is never repeated.
"""

# Sets status `done` once nothing is pending or in flight (ARGV_NOW: epoch seconds as text).
_FINISH = """
local function finish(now)
  if redis.call('HGET', KEYS[1], 'status') == 'running'
      and redis.call('LLEN', KEYS[2]) == 0 and redis.call('ZCARD', KEYS[3]) == 0 then
    redis.call('HSET', KEYS[1], 'status', 'done', 'finished_at', now)
  end
end
"""

# ARGV: entries... Adds recipients not yet added while `scheduled`; replies how many (-1: late).
LOAD = """
if redis.call('HGET', KEYS[1], 'status') ~= 'scheduled' then return -1 end
local added = 0
for _, entry in ipairs(ARGV) do
  if redis.call('SADD', KEYS[6], entry) == 1 then
    redis.call('RPUSH', KEYS[2], entry)
    added = added + 1
  end
end
redis.call('HINCRBY', KEYS[1], 'total', added)
return added
"""

# ARGV: to, now, from... Replies {1, previous} when the status was one of `from`, else {0, it}.
SET_STATUS = (
    _FINISH
    + """
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {0, ''} end
for i = 3, #ARGV do
  if ARGV[i] == current then
    redis.call('HSET', KEYS[1], 'status', ARGV[1])
    if ARGV[1] == 'running' then
      redis.call('HSETNX', KEYS[1], 'started_at', ARGV[2])
      finish(ARGV[2])
    elseif ARGV[1] == 'cancelled' or ARGV[1] == 'done' then
      redis.call('HSET', KEYS[1], 'finished_at', ARGV[2])
    end
    return {1, current}
  end
end
return {0, current}
"""
)

# ARGV: limit, lease_until_ms, token, now. Replies the entries claimed (none unless running).
CLAIM = (
    _FINISH
    + """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return {} end
local entries = redis.call('LPOP', KEYS[2], tonumber(ARGV[1]))
if not entries then finish(ARGV[4]); return {} end
for _, entry in ipairs(entries) do
  redis.call('ZADD', KEYS[3], ARGV[2], entry)
  redis.call('HSET', KEYS[4], entry, ARGV[3])
end
redis.call('HINCRBY', KEYS[1], 'sending', #entries)
return entries
"""
)

# Local helper: settle one claimed entry as `outcome`; false unless `token` still holds it.
_SETTLE_ONE = """
local function settle(entry, token, outcome)
  if redis.call('HGET', KEYS[4], entry) ~= token then return false end
  redis.call('ZREM', KEYS[3], entry)
  redis.call('HDEL', KEYS[4], entry)
  redis.call('HSET', KEYS[5], entry, outcome)
  redis.call('HINCRBY', KEYS[1], outcome, 1)
  redis.call('HINCRBY', KEYS[1], 'sending', -1)
  return true
end
"""

# ARGV: entry, token, outcome, now. Replies {1|0 (claim held), status after}.
SETTLE = (
    _FINISH
    + _SETTLE_ONE
    + """
local held = settle(ARGV[1], ARGV[2], ARGV[3])
finish(ARGV[4])
return {held and 1 or 0, redis.call('HGET', KEYS[1], 'status')}
"""
)

# ARGV: token, entries... Claimed entries not sent go back to the head of `pending`, in order.
RELEASE = """
local released = 0
for i = #ARGV, 2, -1 do
  local entry = ARGV[i]
  if redis.call('HGET', KEYS[4], entry) == ARGV[1] then
    redis.call('ZREM', KEYS[3], entry)
    redis.call('HDEL', KEYS[4], entry)
    redis.call('LPUSH', KEYS[2], entry)
    redis.call('HINCRBY', KEYS[1], 'sending', -1)
    released = released + 1
  end
end
return released
"""

# ARGV: token, lease_until_ms, entries... Longer leases for the entries still held.
EXTEND = """
local extended = 0
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[4], ARGV[i]) == ARGV[1] then
    redis.call('ZADD', KEYS[3], ARGV[2], ARGV[i])
    extended = extended + 1
  end
end
return extended
"""

# ARGV: now_ms, limit, now. Entries whose lease ran out (their worker died mid-send) are
# settled `unknown`, never sent again. Replies how many.
REAP = (
    _FINISH
    + _SETTLE_ONE
    + """
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, entry in ipairs(expired) do
  settle(entry, redis.call('HGET', KEYS[4], entry), 'unknown')
end
finish(ARGV[3])
return #expired
"""
)
