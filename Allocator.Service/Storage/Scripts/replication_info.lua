-- replication_info.lua: Redis' replication section (INFO replication), through a script because
-- StackExchange.Redis allows INFO only in admin mode.
-- No keys, no arguments. Returns the INFO text.
return redis.call('INFO', 'replication')
