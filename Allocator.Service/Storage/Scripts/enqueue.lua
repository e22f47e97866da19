-- enqueue.lua: queue requests and wake the leader, in one round trip. A front sends together
-- the calls that arrived while its previous enqueue was on its way, so one script call (and
-- one wake-up) carries many requests under load, and a lone call goes at once.
-- A request whose id already has a final answer (a retry) is not queued again: that answer
-- is returned instead.
-- KEYS[1] stream ({p}:requests or {p}:inventory)
-- KEYS[2] replicated mark ({p}:replicated): with ARGV[2] = 1 (answers wait for replication),
--         an answer of a commit above the mark is not final yet (a failover could still lose
--         it), so the request is queued again and the leader answers it once it is replicated
-- KEYS[3..2+n] result key of each request id ({p}:result:<id>)
-- ARGV[1] wake channel
-- ARGV[2] 1 when answers wait for replication, else 0
-- ARGV[3] f, the number of (field, value) pairs of each stream entry
-- ARGV[4..] n entries of f (field, value) pairs, in the order of the result keys
-- Returns, for each request that already has a final answer (the others are queued), its
-- 1-based position and that answer: a flat list, empty when every request was queued.
local replicated = ARGV[2] == '1'
local f = tonumber(ARGV[3])
local existing = redis.call('MGET', unpack(KEYS, 3))
local mark = nil
local out = {}
local queued = 0
local at = 4
for k = 1, #existing do
  local answer = existing[k]
  local final = false
  if answer then
    local commit = replicated and tonumber(string.match(answer, '"commit":%s*"(%d+)"') or '0') or 0
    if commit ~= 0 and mark == nil then mark = tonumber(redis.call('GET', KEYS[2]) or '0') end
    final = commit == 0 or commit <= mark
  end
  if final then
    out[#out + 1] = k
    out[#out + 1] = answer
  else
    redis.call('XADD', KEYS[1], '*', unpack(ARGV, at, at + 2 * f - 1))
    queued = queued + 1
  end
  at = at + 2 * f
end
if queued > 0 then
  redis.call('SPUBLISH', ARGV[1], '1')
end
return out
