"""The Lua scripts of `storage.timers`: each moves one or more timed events between the due
schedule, the leases, the records and the dead letters, all or nothing.

A claim's token lives in the event's `state` (small JSON: token, attempt, last_error); only
the holder of that token can ack, release or dead-letter the event. The event's record (kind,
due time, payload) is written by Python and never parsed here, so a payload comes back as sent.
"""

# KEYS: due, leases, events, state, dead; ARGV: id, record, due_ms. Replies 1 when it replaced one.
SCHEDULE = """
local existed = redis.call('HEXISTS', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
return existed
"""

# KEYS: due, leases, events, state; ARGV: id. Replies 1 when there was one to cancel.
CANCEL = """
if redis.call('HDEL', KEYS[3], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
"""

# KEYS: due, leases, events, state; ARGV: now_ms, limit, lease_until_ms, token.
# Replies {id, record, state, ...}: the earliest due events, now in flight under `token`.
CLAIM = """
local claimed = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])) do
  redis.call('ZREM', KEYS[1], id)
  local record = redis.call('HGET', KEYS[3], id)
  if record then
    local state = cjson.decode(redis.call('HGET', KEYS[4], id) or '{}')
    state.token = ARGV[4]
    local encoded = cjson.encode(state)
    redis.call('HSET', KEYS[4], id, encoded)
    redis.call('ZADD', KEYS[2], ARGV[3], id)
    claimed[#claimed + 1] = id; claimed[#claimed + 1] = record; claimed[#claimed + 1] = encoded
  end
end
return claimed
"""

# KEYS: due, leases, state; ARGV: now_ms, limit. Leases run out by now_ms: due again at once,
# their claim void, one more attempt counted. Replies the ids.
RECLAIM = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, id in ipairs(ids) do
  local state = cjson.decode(redis.call('HGET', KEYS[3], id) or '{}')
  state.token = nil
  state.attempt = (tonumber(state.attempt) or 0) + 1
  state.last_error = 'LeaseExpired'
  redis.call('HSET', KEYS[3], id, cjson.encode(state))
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[1], ARGV[1], id)
end
return ids
"""

# A Lua helper: return 0 unless the event ARGV[1] is in flight under the claim token ARGV[2].
_HELD = """
local held = redis.call('HGET', KEYS[3], ARGV[1])
if not held or cjson.decode(held).token ~= ARGV[2] then return 0 end
"""

# KEYS: leases, events, state; ARGV: id, token. Replies 1 when the claim was still held.
DONE = (
    _HELD
    + """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
"""
)

# KEYS: leases, due, state; ARGV: id, token, due_ms, attempt, last_error.
RELEASE = (
    _HELD
    + """
redis.call('ZREM', KEYS[1], ARGV[1])
local state = {attempt = tonumber(ARGV[4]), last_error = ARGV[5]}
redis.call('HSET', KEYS[3], ARGV[1], cjson.encode(state))
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
"""
)

# KEYS: leases, events, state, dead; ARGV: id, token, dead record.
DEAD = (
    _HELD
    + """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
return 1
"""
)
