#!lua
-- commit.lua: apply one decided batch atomically: fence, effect, results, ack, answers.
-- Nothing is acknowledged without its effect, and no effect without its acknowledgement.
-- Every check runs before the first write (a Lua error does not roll back earlier writes;
-- the shebang makes Redis refuse the whole script up front when it is out of memory).
-- KEYS[1] leader lease key
-- KEYS[2] epoch counter
-- KEYS[3] game server hash
-- KEYS[4] request stream
-- KEYS[5] inventory stream
-- KEYS[6] change log stream
-- KEYS[7] change log sequence counter
-- KEYS[8] commit counter
-- KEYS[9..8+r] result keys, one per newly decided request
-- KEYS[9+r..8+r+h] held markers, one per held answer (in the order of the held result keys)
-- Kubernetes mode only (ARGV[8] = 1): KEYS[9+r+h] outbox stream, KEYS[10+r+h] watch positions
-- hash (watch scope -> resourceVersion)
-- ARGV[1] lock id of this leader
-- ARGV[2] epoch of this leader's term
-- ARGV[3] consumer group
-- ARGV[4] request history to keep in the streams (ms)
-- ARGV[5] change log length to keep (entries, approximate)
-- ARGV[6] r, the number of result keys
-- ARGV[7] h, the number of held markers
-- ARGV[8] 1 when the Kubernetes keys follow the held markers, else 0
-- ARGV[9] the commit counter as this leader left it (anything else: Redis lost writes)
-- ARGV[10] n changed servers, then n (field, json) pairs
-- then m removed servers, then m fields
-- Kubernetes mode only: the outbox entry: id ('' for none), time (ms), changes json; then p
-- watch positions, then p (scope, resourceVersion) pairs
-- then one (outcome json, ttl ms) pair per result key; json '': the answer is held for the
-- write-back, so the result key is only checked, and its held marker is set for ttl instead
-- (a front settling the call at its deadline must not store an answer over it)
-- then a acked request-stream ids, then (when a > 0) the newest of them, then the a ids
-- then i acked inventory-stream ids, then (when i > 0) the newest of them, then the i ids
-- then c reply messages, then c (channel, payload) pairs
-- Returns 'ok' (the commit counter is now ARGV[9] + 1); 'fenced' when the lease or term is not
-- ours; 'behind' when the commit counter is not ARGV[9]; 'nogroup' when a stream or its
-- group is gone; {'conflict', k...} when result keys k (1-based among the result keys) already
-- exist (a front gave up on that request at its deadline). Nothing is written unless 'ok'.
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return 'fenced'
end
if tonumber(redis.call('GET', KEYS[8]) or '0') ~= tonumber(ARGV[9]) then
  return 'behind'
end
local group = ARGV[3]
for k = 4, 5 do
  local pending = redis.pcall('XPENDING', KEYS[k], group)
  if type(pending) == 'table' and pending.err then
    return 'nogroup'
  end
end

local results = tonumber(ARGV[6])
local markers = tonumber(ARGV[7])
local kubernetes = ARGV[8] == '1'
local first_result = 9
local first_marker = first_result + results
local outbox = KEYS[first_marker + markers]
local positions = KEYS[first_marker + markers + 1]
-- One EXISTS for all result keys; which ones only when some do.
if results > 0 and redis.call('EXISTS', unpack(KEYS, first_result, first_marker - 1)) > 0 then
  local conflicts = {}
  for k = first_result, first_marker - 1 do
    if redis.call('EXISTS', KEYS[k]) == 1 then
      conflicts[#conflicts + 1] = k - first_result + 1
    end
  end
  return {'conflict', unpack(conflicts)}
end

local history = tonumber(ARGV[4])
local at = 10
redis.call('INCR', KEYS[8])
local written = {}

-- HSET and HDEL take many fields per call (a call per server costs more than the write), in
-- chunks that stay inside Lua's unpack limit (a seed commits every server at once).
local chunk = 1000
local n = tonumber(ARGV[at]); at = at + 1
for first = at, at + 2 * n - 1, 2 * chunk do
  local last = math.min(first + 2 * chunk, at + 2 * n) - 1
  redis.call('HSET', KEYS[3], unpack(ARGV, first, last))
  for k = first, last, 2 do written[#written + 1] = ARGV[k] end
end
at = at + 2 * n

n = tonumber(ARGV[at]); at = at + 1
for first = at, at + n - 1, chunk do
  local last = math.min(first + chunk, at + n) - 1
  redis.call('HDEL', KEYS[3], unpack(ARGV, first, last))
  for k = first, last do written[#written + 1] = ARGV[k] end
end
at = at + n

-- Followers (standby replicas) replay this log to keep a warm copy of the hash.
if #written > 0 then
  local seq = redis.call('INCR', KEYS[7])
  redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[5], '*', 'seq', seq, 'epoch', ARGV[2], 'keys', table.concat(written, '\n'))
end

if kubernetes then
  if ARGV[at] ~= '' then
    redis.call('XADD', outbox, ARGV[at], 'at', ARGV[at + 1], 'changes', ARGV[at + 2])
  end
  at = at + 3

  n = tonumber(ARGV[at]); at = at + 1
  for _ = 1, n do
    redis.call('HSET', positions, ARGV[at], ARGV[at + 1])
    at = at + 2
  end
end

local marker = first_marker
for k = first_result, first_marker - 1 do
  if ARGV[at] ~= '' then
    redis.call('SET', KEYS[k], ARGV[at], 'PX', ARGV[at + 1])
  else
    redis.call('SET', KEYS[marker], '1', 'PX', ARGV[at + 1])
    marker = marker + 1
  end
  at = at + 2
end

-- Stream ids compare as (ms, seq) pairs.
local function older(a, b)
  local am, as = string.match(a, '(%d+)-(%d+)')
  local bm, bs = string.match(b, '(%d+)-(%d+)')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end

local now = redis.call('TIME')
local cutoff = math.max(0, tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - history) .. '-0'

-- Acknowledge, then drop history older than the window. Never trims an entry that is
-- pending, or newer than this batch (it may not have been delivered yet). The trim is
-- approximate: whole stream nodes, so a little more history than the window stays.
local function ack(stream)
  local count = tonumber(ARGV[at]); at = at + 1
  if count == 0 then return end
  local newest = ARGV[at]; at = at + 1
  redis.call('XACK', stream, group, unpack(ARGV, at, at + count - 1))
  at = at + count
  local minid = cutoff
  if older(newest, minid) then minid = newest end
  local pending = redis.call('XPENDING', stream, group)
  if tonumber(pending[1]) > 0 and older(pending[2], minid) then minid = pending[2] end
  redis.call('XTRIM', stream, 'MINID', '~', minid)
end

ack(KEYS[4])
ack(KEYS[5])

n = tonumber(ARGV[at]); at = at + 1
for _ = 1, n do
  redis.call('SPUBLISH', ARGV[at], ARGV[at + 1])
  at = at + 2
end

return 'ok'
