"""The two Lua scripts of the hot path: one round trip to begin an update, one to commit it.

A founder's updates take turns in a FIFO queue in Redis (arrival order, across processes).
Each turn holder's lease is refreshed while it waits; a holder that died is evicted once its
lease runs out. Commit is compare-and-set on the founder's revision.
"""

# KEYS: queue, leases, seen, then the records to read (rev first)
# ARGV: token, now_ms, lease_ms, update_id ('' when the channel has none)
BEGIN = """
if ARGV[4] ~= '' and redis.call('ZSCORE', KEYS[3], ARGV[4]) then return {'dup'} end
local now, lease = tonumber(ARGV[2]), tonumber(ARGV[3])
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

# KEYS: queue, leases, seen, rev, then the records to write
# ARGV: token, expected_rev, update_id, seen_ttl_ms, rev_ttl_ms, then (value, ttl_ms) per record;
#       value '' deletes the record, ttl_ms '0' keeps it without expiry
COMMIT = """
local current = redis.call('GET', KEYS[4]) or '0'
if current ~= ARGV[2] then return {'conflict', current} end
local rev = current
if #KEYS > 4 then
  for i = 5, #KEYS do
    local value, ttl = ARGV[2 * i - 4], tonumber(ARGV[2 * i - 3])
    if value == '' then redis.call('DEL', KEYS[i])
    elseif ttl > 0 then redis.call('SET', KEYS[i], value, 'PX', ttl)
    else redis.call('SET', KEYS[i], value) end
  end
  rev = redis.call('INCR', KEYS[4])
  redis.call('PEXPIRE', KEYS[4], ARGV[5])
end
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[3])
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -65)
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return {'ok', tostring(rev)}
"""

# KEYS: queue, leases; ARGV: token
RELEASE = """
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"""
