-- read_batch.lua: fence check, then read the next batch for this consumer.
-- KEYS[1] leader lease key
-- KEYS[2] request stream
-- KEYS[3] inventory stream
-- ARGV[1] lock id of this leader
-- ARGV[2] consumer group
-- ARGV[3] consumer (replica id)
-- ARGV[4] max entries per stream
-- Returns {'fenced'} when the lease is not ours, else {'ok', <XREADGROUP reply or false>}.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {'fenced'}
end
local entries = redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[3], 'COUNT', ARGV[4],
  'STREAMS', KEYS[2], KEYS[3], '>', '>')
return {'ok', entries}
