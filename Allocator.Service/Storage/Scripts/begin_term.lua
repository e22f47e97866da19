-- begin_term.lua: start a leadership term: fence, bump the epoch, record who leads, and make
-- sure both request streams have the consumer group.
-- KEYS[1] leader lease key
-- KEYS[2] epoch counter
-- KEYS[3] leader info hash
-- KEYS[4] request stream
-- KEYS[5] inventory stream
-- KEYS[6] commit counter
-- ARGV[1] lock id, ARGV[2] replica id, ARGV[3] app version, ARGV[4] start time (unix ms),
-- ARGV[5] consumer group
-- Returns {new epoch, commit counter}, or {-1} when the lease is not ours.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {-1}
end
local epoch = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[3], 'replica', ARGV[2], 'epoch', epoch, 'version', ARGV[3], 'since', ARGV[4])
for k = 4, 5 do
  -- An earlier leader usually created it already (BUSYGROUP): that is fine.
  redis.pcall('XGROUP', 'CREATE', KEYS[k], ARGV[5], '0-0', 'MKSTREAM')
end
return {epoch, tonumber(redis.call('GET', KEYS[6]) or '0')}
