-- yield_lease.lua: a leader whose term ended on a Redis failure could not release its lease;
-- once Redis answers again (perhaps a promoted replica that has the key), it releases it then,
-- so the next term need not wait out the lease's TTL.
-- KEYS[1] leader lease key
-- ARGV[1] the lock id of the ended term
-- Returns 1 if the lease was that term's and is now free, 0 if it was not (taken since, or gone).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
