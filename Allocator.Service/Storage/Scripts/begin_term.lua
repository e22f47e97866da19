-- begin_term.lua: start a leadership term: fence, bump the epoch, record who leads.
-- KEYS[1] leader lease key
-- KEYS[2] epoch counter
-- KEYS[3] leader info hash
-- ARGV[1] lock id, ARGV[2] replica id, ARGV[3] app version, ARGV[4] start time (unix ms)
-- Returns the new epoch, or -1 when the lease is not ours.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
local epoch = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[3], 'replica', ARGV[2], 'epoch', epoch, 'version', ARGV[3], 'since', ARGV[4])
return epoch
