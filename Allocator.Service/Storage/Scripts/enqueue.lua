-- enqueue.lua: queue one request and wake the leader, in one round trip.
-- If the request id already has a final answer (a retry), return that instead of queueing again.
-- KEYS[1] stream ({p}:requests or {p}:inventory)
-- KEYS[2] result key of this request id ({p}:result:<id>)
-- KEYS[3] replicated mark ({p}:replicated), only when answers wait for replication: an answer
--         of a commit above the mark is not final yet (a failover could still lose it), so the
--         request is queued again and the leader answers it once it is replicated
-- ARGV[1] wake channel
-- ARGV[2..] field, value pairs of the stream entry
-- Returns {'result', <outcome json>} or {'queued', <entry id>}.
local existing = redis.call('GET', KEYS[2])
if existing then
  local commit = KEYS[3] and tonumber(string.match(existing, '"commit":%s*"(%d+)"') or '0') or 0
  if commit == 0 or commit <= tonumber(redis.call('GET', KEYS[3]) or '0') then
    return {'result', existing}
  end
end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
redis.call('PUBLISH', ARGV[1], '1')
return {'queued', id}
