-- commit.lua: apply one decided batch atomically: fence, effect, results, ack, answers.
-- Nothing is acknowledged without its effect, and no effect without its acknowledgement.
-- KEYS[1] leader lease key
-- KEYS[2] game server hash
-- KEYS[3] request stream
-- KEYS[4] inventory stream
-- KEYS[5..] result keys, one per answered request
-- ARGV[1] lock id of this leader
-- ARGV[2] consumer group
-- ARGV[3] result TTL (ms)
-- ARGV[4] request history to keep in the streams (ms)
-- ARGV[5] n changed servers, then n (field, json) pairs
-- then m removed servers, then m fields
-- then one outcome json per result key (KEYS[5..])
-- then r acked request-stream ids, then r ids
-- then i acked inventory-stream ids, then i ids
-- then c reply messages, then c (channel, payload) pairs
-- Returns 'ok', or 'fenced' (nothing written) when the lease is not ours.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 'fenced'
end

local group = ARGV[2]
local ttl = ARGV[3]
local history = tonumber(ARGV[4])
local at = 5

local n = tonumber(ARGV[at]); at = at + 1
for _ = 1, n do
  redis.call('HSET', KEYS[2], ARGV[at], ARGV[at + 1])
  at = at + 2
end

n = tonumber(ARGV[at]); at = at + 1
for _ = 1, n do
  redis.call('HDEL', KEYS[2], ARGV[at])
  at = at + 1
end

for k = 5, #KEYS do
  redis.call('SET', KEYS[k], ARGV[at], 'PX', ttl)
  at = at + 1
end

-- Stream ids compare as (ms, seq) pairs.
local function older(a, b)
  local am, as = string.match(a, '(%d+)-(%d+)')
  local bm, bs = string.match(b, '(%d+)-(%d+)')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end

local now = redis.call('TIME')
local cutoff = (tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - history) .. '-0'

-- Acknowledge, then drop history older than the window. Never trims an entry that is
-- pending, or newer than this batch (it may not have been delivered yet).
local function ack(stream)
  local count = tonumber(ARGV[at]); at = at + 1
  if count == 0 then return end
  local newest = ARGV[at]
  for k = at, at + count - 1 do
    redis.call('XACK', stream, group, ARGV[k])
    if older(newest, ARGV[k]) then newest = ARGV[k] end
  end
  at = at + count
  local minid = cutoff
  if older(newest, minid) then minid = newest end
  local pending = redis.call('XPENDING', stream, group)
  if tonumber(pending[1]) > 0 and older(pending[2], minid) then minid = pending[2] end
  redis.call('XTRIM', stream, 'MINID', minid)
end

ack(KEYS[3])
ack(KEYS[4])

n = tonumber(ARGV[at]); at = at + 1
for _ = 1, n do
  redis.call('PUBLISH', ARGV[at], ARGV[at + 1])
  at = at + 2
end

return 'ok'
