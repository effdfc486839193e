"""The two Lua scripts of the hot path: one round trip to begin an update, one to commit it.

A founder's updates take turns in a FIFO queue in Redis (arrival order, across processes).
Each turn's lease is refreshed while it waits (by `BEGIN`) and while it is held (by `EXTEND`,
its holder's heartbeat); a holder that died is evicted once its lease runs out. Commit is compare-and-set on the founder's revision.
"""

# Leases are timed by Redis's clock, not the callers': the processes' clocks may differ by more
# than a short lease, and a command slow to arrive (a new connection to a far Redis) would set a
# deadline already past.
REDIS_NOW = """
local function redis_now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
"""

# KEYS: queue, leases, seen, then the records to read (rev first)
# ARGV: token, now_ms (the caller's clock: unused, leases run on Redis's), lease_ms, update_id
# ('' when the channel has none), then the tokens this process gave up on for this founder (a
# begin or commit that got no reply: if it reached Redis after all, it would hold the line
# until its lease ran out)
BEGIN = (
    REDIS_NOW
    + """
for i = 5, #ARGV do
  redis.call('LREM', KEYS[1], 1, ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
end
if ARGV[4] ~= '' and redis.call('ZSCORE', KEYS[3], ARGV[4]) then return {'dup'} end
local now, lease = redis_now(), tonumber(ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], now + lease)
redis.call('PEXPIRE', KEYS[2], lease * 10)
if not redis.call('LPOS', KEYS[1], ARGV[1]) then redis.call('RPUSH', KEYS[1], ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], lease * 10)
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if head == ARGV[1] then break end
  local deadline = tonumber(redis.call('HGET', KEYS[2], head) or '0')
  if deadline >= now then return {'wait'} end
  redis.call('LPOP', KEYS[1])
  redis.call('HDEL', KEYS[2], head)
end
local records = {}
for i = 4, #KEYS do records[#records + 1] = KEYS[i] end
return {'ok', redis.call('MGET', unpack(records))}
"""
)

# Commit writes the changed records, the new submissions and their outbox entries all or nothing.
# KEYS: queue, leases, seen, rev, then n records to write, then per new submission its record
#       and its shard's outbox stream (the founder's shard: see storage.keys)
# ARGV: token, expected_rev, update_id, seen_ttl_ms, rev_ttl_ms, n,
#       then (value, ttl_ms) per record: value '' deletes it, ttl_ms '0' keeps it without expiry,
#       then (record, reference, founder, flow, programme, office, submitted_at) per submission
# Replies {'conflict', rev}, {'taken', reference} (nothing written, turn still held),
# {'lost', rev} (the token no longer holds the turn: settled, or evicted; nothing written) or
# {'ok', rev}. Holding the turn is checked first, so a commit that reaches Redis after its
# turn was settled (the client gave up waiting for its reply) writes nothing.
# With token '' it is the warm path's one round trip (`FounderStore.commit_cached`): no turn
# was begun, so instead of holding one it checks the update was not handled ({'dup', rev}) and
# that no turn is waiting or running ({'busy', rev}), then compares the revision it was read at.
COMMIT = """
local current = redis.call('GET', KEYS[4]) or '0'
if ARGV[1] == '' then
  if ARGV[3] ~= '' and redis.call('ZSCORE', KEYS[3], ARGV[3]) then return {'dup', current} end
  if redis.call('LLEN', KEYS[1]) > 0 then return {'busy', current} end
elseif redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return {'lost', current} end
if current ~= ARGV[2] then return {'conflict', current} end
local n = tonumber(ARGV[6])
local m = (#KEYS - 4 - n) / 2
for i = 1, m do
  if redis.call('EXISTS', KEYS[3 + n + 2 * i]) == 1 then
    return {'taken', ARGV[6 + 2 * n + 7 * (i - 1) + 2]}
  end
end
local rev = current
for i = 1, n do
  local key, value, ttl = KEYS[4 + i], ARGV[5 + 2 * i], tonumber(ARGV[6 + 2 * i])
  if value == '' then redis.call('DEL', key)
  elseif ttl > 0 then redis.call('SET', key, value, 'PX', ttl)
  else redis.call('SET', key, value) end
end
for i = 1, m do
  local a = 6 + 2 * n + 7 * (i - 1)
  redis.call('SET', KEYS[3 + n + 2 * i], ARGV[a + 1])
  redis.call('XADD', KEYS[4 + n + 2 * i], '*', 'reference', ARGV[a + 2], 'founder', ARGV[a + 3],
    'flow', ARGV[a + 4], 'programme', ARGV[a + 5], 'office', ARGV[a + 6],
    'submitted_at', ARGV[a + 7])
end
if n + m > 0 then
  rev = redis.call('INCR', KEYS[4])
  redis.call('PEXPIRE', KEYS[4], ARGV[5])
end
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[3])
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -65)
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
if ARGV[1] ~= '' then
  redis.call('LREM', KEYS[1], 1, ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return {'ok', tostring(rev)}
"""

# Settles a commit whose reply never came: it landed (its update id is recorded), or it did not
# and its turn is taken away so that it cannot land later.
# KEYS: queue, leases, seen, rev; ARGV: token, update_id ('' when none), expected_rev
# Replies 1 when it landed, 0 when not.
SETTLE = """
local landed
if ARGV[2] ~= '' then landed = redis.call('ZSCORE', KEYS[3], ARGV[2]) ~= false
else landed = (redis.call('GET', KEYS[4]) or '0') ~= ARGV[3] end
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if landed then return 1 end
return 0
"""

# KEYS: queue, leases; ARGV: token
RELEASE = """
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"""

# A Lua helper for scripts that rewrite a record in place: its expiry is kept.
SET_KEEPING_TTL = """
local function set_keeping_ttl(key, value)
  local ttl = redis.call('PTTL', key)
  if ttl > 0 then redis.call('SET', key, value, 'PX', ttl) else redis.call('SET', key, value) end
end
"""

# The heartbeat of a turn: its lease is pushed on while its holder works, so the lease can be
# short (a dead holder's founders wait about one lease) however long a turn takes. Extends only
# a token still in the leases (waiting or holding): an evicted or ended turn stays ended.
# KEYS: queue, leases; ARGV: token, lease_ms. Replies 1 when extended, else 0.
EXTEND = (
    REDIS_NOW
    + """
if not redis.call('HGET', KEYS[2], ARGV[1]) then return 0 end
local lease = tonumber(ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], redis_now() + lease)
redis.call('PEXPIRE', KEYS[2], lease * 10)
redis.call('PEXPIRE', KEYS[1], lease * 10)
return 1
"""
)
