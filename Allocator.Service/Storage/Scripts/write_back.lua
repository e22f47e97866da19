#!lua
-- write_back.lua: finish a write-back pass once Kubernetes has accepted its patches: store and
-- send the answers that waited for Kubernetes, queue again the requests whose game server was
-- gone, and drop the finished outbox entries. Fenced like a commit: only the leader finishes.
-- KEYS[1] leader lease key
-- KEYS[2] epoch counter
-- KEYS[3] outbox stream
-- KEYS[4] request stream
-- KEYS[5..4+a] result keys, one per answer
-- KEYS[5+a..4+2a] the answers' held markers, then the held markers of the requests queued again
-- ARGV[1] lock id of this leader
-- ARGV[2] epoch of this leader's term
-- ARGV[3] result ttl (ms)
-- ARGV[4] wake channel
-- ARGV[5] a, the number of answers
-- ARGV[6..] per answer: outcome json, reply channel ('' for none), reply payload
-- then q requests to queue again, then per request: f, then f field/value items
-- then d outbox entry ids to delete, then d ids
-- Returns 'fenced' (nothing written), or {'ok', late}: late answers found their result key
-- already set (the caller's front gave up at its deadline) and were neither stored nor sent,
-- so a request id never has two different answers.
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return 'fenced'
end

local answers = tonumber(ARGV[5])
local at = 6
local late = 0
for k = 5, 4 + answers do
  if not redis.call('SET', KEYS[k], ARGV[at], 'NX', 'PX', ARGV[3]) then
    late = late + 1
  elseif ARGV[at + 1] ~= '' then
    redis.call('SPUBLISH', ARGV[at + 1], ARGV[at + 2])
  end
  at = at + 3
end
for k = 5 + answers, #KEYS do
  redis.call('DEL', KEYS[k])
end

local n = tonumber(ARGV[at]); at = at + 1
for _ = 1, n do
  local f = tonumber(ARGV[at]); at = at + 1
  redis.call('XADD', KEYS[4], '*', unpack(ARGV, at, at + f - 1))
  at = at + f
end
if n > 0 then
  redis.call('SPUBLISH', ARGV[4], '1')
end

n = tonumber(ARGV[at]); at = at + 1
for _ = 1, n do
  redis.call('XDEL', KEYS[3], ARGV[at])
  at = at + 1
end

return {'ok', late}
