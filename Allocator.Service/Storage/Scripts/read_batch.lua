-- read_batch.lua: fence check, then read the next batch for this consumer.
-- KEYS[1] leader lease key
-- KEYS[2] epoch counter
-- KEYS[3] request stream
-- KEYS[4] inventory stream
-- ARGV[1] lock id of this leader
-- ARGV[2] epoch of this leader's term
-- ARGV[3] consumer group
-- ARGV[4] consumer (replica id)
-- ARGV[5] max entries per stream
-- Returns {'fenced'} when the lease or the term is not ours, else {'ok', <XREADGROUP reply or false>}.
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return {'fenced'}
end
local entries = redis.call('XREADGROUP', 'GROUP', ARGV[3], ARGV[4], 'COUNT', ARGV[5],
  'STREAMS', KEYS[3], KEYS[4], '>', '>')
return {'ok', entries}
