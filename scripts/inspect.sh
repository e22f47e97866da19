#!/usr/bin/env bash
# What the allocator fleet is doing, from Redis alone (redis-cli): who leads, the members,
# how deep the queue is, the last requests, how full each fleet is, and one game server; with
# partitions (Allocator:Partitions:Count), all of it per partition, after a line naming who
# leads which. On Redis Cluster (INFO cluster says cluster_enabled:1) redis-cli runs with -c,
# so each command follows MOVED to the shard that holds its partition.
# Usage: scripts/inspect.sh [--prefix alloc] [--partitions N] [--last 5] [--server default/name] [redis-cli options, e.g. -p 6379 -a pass]
#   --partitions N: the service's Partitions:Count. Default: detected (partitions {prefix:0},
#   {prefix:1}, ... while each has a leader-info or members key; else the single {prefix}).
set -uo pipefail
PREFIX=alloc; LAST=5; SERVER=""; PARTITIONS=""; CLI=()
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --partitions) PARTITIONS=$2; shift 2 ;;
    --last) LAST=$2; shift 2 ;;
    --server) SERVER=$2; shift 2 ;;
    *) CLI+=("$1"); shift ;;
  esac
done
if [ -n "$PARTITIONS" ] && ! [[ "$PARTITIONS" =~ ^[1-9][0-9]*$ ]]; then
  echo "--partitions must be a whole number of at least 1, not '$PARTITIONS'" >&2; exit 2
fi
r() { redis-cli "${CLI[@]}" "$@"; }
r ping >/dev/null || { echo "Redis does not answer (redis-cli ${CLI[*]})" >&2; exit 1; }
# Every key of one partition shares its hash tag, so one slot and one shard: -c follows there.
if r info cluster | grep -q '^cluster_enabled:1'; then CLI=(-c "${CLI[@]}"); fi

# Partitions: with one (the default) every key is under {prefix}; with P, under {prefix:0} ..
# {prefix:P-1}. A running replica heartbeats into every partition's members hash.
if [ -z "$PARTITIONS" ]; then
  PARTITIONS=0
  while [ "$(r exists "{$PREFIX:$PARTITIONS}:leader-info" "{$PREFIX:$PARTITIONS}:members")" -gt 0 ]; do
    PARTITIONS=$((PARTITIONS + 1))
  done
  [ "$PARTITIONS" -eq 0 ] && PARTITIONS=1
fi

# Every section, for the partition whose hash tag is $1 ({alloc} or {alloc:p}).
inspect_partition() {
  local K=$1 KUBERNETES oldest watch
  # Kubernetes mode leaves keys that stand-alone mode never writes.
  KUBERNETES=$(r exists "$K:fleet-id" "$K:watch" "$K:outbox")

  echo "== Leader"
  r hgetall "$K:leader-info" | paste - - | sed 's/^/   /'
  echo "   lease ttl ms: $(r pttl "$K:leader")    epoch counter: $(r get "$K:epoch")"

  echo
  echo "== Members (heartbeat age)"
  # Redis' clock, read in the same script as the heartbeats; a replica's clock a little ahead of
  # Redis' reads as 0 ms, not as a negative age.
  r eval "
    local t = redis.call('TIME')
    local now = t[1] * 1000 + math.floor(t[2] / 1000)
    local out = {}
    local m = redis.call('HGETALL', KEYS[1])
    for i = 1, #m, 2 do
      local v = cjson.decode(m[i + 1])
      local leads = ''
      if ARGV[1] == '1' then leads = string.format('  leads %d', v.leads or 0) end
      out[#out + 1] = string.format('%-28s version %-10s lead %-5s ready %-5s heartbeat %6d ms ago', m[i], v.version, tostring(v.lead), tostring(v.ready), math.max(0, now - v.heartbeatMs)) .. leads
    end
    return out" 1 "$K:members" "$([ "$PARTITIONS" -gt 1 ] && echo 1 || echo 0)"

  echo
  echo "== Queue"
  for stream in requests inventory; do
    echo "   $stream: $(r xlen "$K:$stream") entries kept (history included)"
    r eval "
      local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[1])
      if not ok then return {'     no consumer group yet'} end
      local out = {}
      for _, g in ipairs(groups) do
        local f = {}
        for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
        out[#out + 1] = string.format('     group %s: waiting (lag) %s, pending %s, last delivered %s', f['name'], tostring(f['lag']), tostring(f['pending']), f['last-delivered-id'])
      end
      local pending = redis.call('XPENDING', KEYS[1], 'processors')
      if pending[4] then
        for _, c in ipairs(pending[4]) do out[#out + 1] = string.format('     consumer %s holds %s pending', c[1], c[2]) end
      end
      local oldest = redis.call('XPENDING', KEYS[1], 'processors', '-', '+', 1)
      if oldest[1] then out[#out + 1] = string.format('     oldest pending %s, idle %d ms, delivered %d times', oldest[1][1], oldest[1][3], oldest[1][4]) end
      return out" 1 "$K:$stream"
  done

  echo
  echo "== Last $LAST requests"
  r eval "
    local out = {}
    for _, e in ipairs(redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', ARGV[1])) do
      local f = {}
      for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
      local answer = redis.call('GET', KEYS[2] .. f['id'])
      local outcome = 'no answer stored'
      if answer then
        local a = cjson.decode(answer)
        if a.allocation then outcome = 'allocated ' .. a.allocation.gameServerName
        else outcome = 'code ' .. tostring(a.code or 0) .. ': ' .. tostring(a.message) end
      end
      out[#out + 1] = string.format('%s  id %s via %s: %s', e[1], f['id'], f['replica'], outcome)
      out[#out + 1] = '    ' .. string.sub(string.gsub(f['request'] or '', '%s+', ' '), 1, 220)
    end
    return out" 2 "$K:requests" "$K:result:" "$LAST"

  echo
  echo "== Occupancy per fleet (label agones.dev/fleet)"
  r eval "
    local fleets, order = {}, {}
    local all = redis.call('HGETALL', KEYS[1])
    for i = 2, #all, 2 do
      local s = cjson.decode(all[i])
      local name = (s.labels and s.labels['agones.dev/fleet']) or '(none)'
      local f = fleets[name]
      if not f then f = {ready = 0, allocated = 0, other = 0, used = 0, capacity = 0, busy = 0}; fleets[name] = f; order[#order + 1] = name end
      if s.state == 'Ready' then f.ready = f.ready + 1 elseif s.state == 'Allocated' then f.allocated = f.allocated + 1 else f.other = f.other + 1 end
      local sessions = 0
      if s.counters then for _, c in pairs(s.counters) do f.used = f.used + c.count; f.capacity = f.capacity + c.capacity; sessions = sessions + c.count end end
      if sessions > 0 then f.busy = f.busy + 1 end
    end
    table.sort(order)
    local out = {string.format('%-24s %7s %9s %6s %11s %17s', 'fleet', 'Ready', 'Allocated', 'other', 'in use', 'counters used/cap')}
    for _, name in ipairs(order) do
      local f = fleets[name]
      out[#out + 1] = string.format('%-24s %7d %9d %6d %11d %8d/%-8d', name, f.ready, f.allocated, f.other, f.busy, f.used, f.capacity)
    end
    return out" 1 "$K:gameservers"
  echo "   (reads the whole hash in one script: on a very large fleet run it off-peak)"

  echo
  if [ "$KUBERNETES" -gt 0 ]; then
    echo "== Change log and Kubernetes write-back"
    echo "   commits logged: $(r get "$K:changes-seq")   kept: $(r xlen "$K:changes")   outbox backlog: $(r xlen "$K:outbox")"
    oldest=$(r xrange "$K:outbox" - + COUNT 1 | sed -n 1p)
    [ -n "$oldest" ] && echo "   oldest write-back pending: entry $oldest (epoch-sequence)"
    watch=$(r hgetall "$K:watch" | paste - - | awk '{ printf "%s at resourceVersion %s; ", $1, $2 }')
    [ -n "$watch" ] && echo "   Kubernetes watch resumes from: $watch"
  else
    echo "== Change log"
    echo "   commits logged: $(r get "$K:changes-seq")   kept: $(r xlen "$K:changes")"
  fi

  # With partitions, a server is in the one partition of its fleet (or namespace).
  if [ -n "$SERVER" ] && { [ "$PARTITIONS" -eq 1 ] || [ "$(r hexists "$K:gameservers" "$SERVER")" = 1 ]; }; then
    SERVER_FOUND=1
    echo
    echo "== Game server $SERVER"
    r hget "$K:gameservers" "$SERVER"
  fi
}

if [ "$PARTITIONS" -eq 1 ]; then
  inspect_partition "{$PREFIX}"
  exit 0
fi

# Who leads which partition: leader-info names the last term's replica; without a lease nobody leads now.
for ((p = 0; p < PARTITIONS; p++)); do
  who=$(r hget "{$PREFIX:$p}:leader-info" replica)
  [ "$(r pttl "{$PREFIX:$p}:leader")" = -2 ] && who=""
  echo "$p ${who:--}"
done | awk -v n="$PARTITIONS" '
  { if (!($2 in parts)) { order[++k] = $2; parts[$2] = $1 } else parts[$2] = parts[$2] " " $1 }
  END {
    line = ""
    for (i = 1; i <= k; i++) line = line (i > 1 ? "; " : "") (order[i] == "-" ? "no leader: " : order[i] " leads ") parts[order[i]]
    print "== Leaders of " n " partitions: " line
  }'

SERVER_FOUND=0
for ((p = 0; p < PARTITIONS; p++)); do
  echo
  echo "### Partition $p of $PARTITIONS: {$PREFIX:$p}"
  echo
  inspect_partition "{$PREFIX:$p}"
done
if [ -n "$SERVER" ] && [ "$SERVER_FOUND" = 0 ]; then
  echo
  echo "== Game server $SERVER: in no partition"
fi
exit 0
