-- enqueue.lua: queue one request and wake the leader, in one round trip.
-- If the request id already has a result (a retry), return that instead of queueing again.
-- KEYS[1] stream ({p}:requests or {p}:inventory)
-- KEYS[2] result key of this request id ({p}:result:<id>)
-- ARGV[1] wake channel
-- ARGV[2..] field, value pairs of the stream entry
-- Returns {'result', <outcome json>} or {'queued', <entry id>}.
local existing = redis.call('GET', KEYS[2])
if existing then
  return {'result', existing}
end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
redis.call('PUBLISH', ARGV[1], '1')
return {'queued', id}
