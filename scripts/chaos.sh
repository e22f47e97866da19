#!/usr/bin/env bash
# Chaos harness: real processes (Redis with AOF, 3 replicas, the load generator) and the
# failures the allocator exists to survive. Prints one table row per scenario and exits
# non-zero if any scenario misses its requirements:
#   every scenario: lost 0, over capacity 0, applied twice 0, occupancy in Redis = answers;
#   1 (kill -9 the leader):    longest gap <= lease TTL + 0.5 s;
#   2 (rolling update):        0 failed calls, longest gap <= 100 ms.
#   7-10 (Redis failover, with Allocator:MinReplicas=1): longest gap <= down-after-milliseconds
#   + 2 s; 7, 9 and 10 run 1 primary, 2 replicas and 3 Sentinels, 8 a primary, one replica and
#   a TCP forwarder standing in for a managed endpoint.
# Usage: scripts/chaos.sh [--short] [--only "1 2 3"]
#   --short: a CI-sized 1, 2, 3 and 8 that asserts the safety requirements (lost, over capacity,
#   applied twice, occupancy, failed calls) and prints the gaps without asserting them: timing
#   targets are judged on the full run, not on a shared CI machine.
# Settings: BIN (the replicas' Allocator.Service.dll; default: a fresh ReadyToRun publish),
# FORWARD_BIN (the binary whose `forward` subcommand stands in for a managed endpoint; default
# BIN), RATE (calls/s, default 200), OVERLOAD_RATE (scenario 6, default 5 x 2,000/s,
# five times what 3 replicas sustain on a 2-core machine), TTL (lease seconds, default 3),
# DOWN_AFTER (Sentinel down-after-milliseconds, default 1000), MIN_REPLICAS (Allocator:MinReplicas
# of scenarios 7-10, default 1; 0 shows what it prevents).
set -uo pipefail
cd "$(dirname "$0")/.."

SHORT=0
ONLY="1 2 3 4 5 6 7 8 9 10"
while [ $# -gt 0 ]; do
  case "$1" in
    --short) SHORT=1; ONLY="1 2 3 8"; shift ;;
    --only) ONLY="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
RATE=${RATE:-200}
OVERLOAD_RATE=${OVERLOAD_RATE:-10000}
TTL=${TTL:-3}
DOWN_AFTER=${DOWN_AFTER:-1000}   # Sentinel's down-after-milliseconds
MIN_REPLICAS=${MIN_REPLICAS:-1}   # Allocator:MinReplicas of scenarios 7-10 (0 shows what it prevents)
BIN=${BIN:-}
WORK=$(mktemp -d)
# Below the ephemeral range (32768+), where an outgoing connection could take a port first.
REDIS_PORT=$((20000 + RANDOM % 10000))
NEXT_PORT=$((REDIS_PORT + 1))
declare -A PID PORT VERSION
PREFIX=""
FAILED=0
PASSED=0

command -v redis-server >/dev/null || { echo "redis-server is required (scripts/test.sh installs it)" >&2; exit 2; }
if [ -z "$BIN" ]; then
  # The replicas run what the image ships: a ReadyToRun publish, as the Dockerfile makes it.
  dotnet publish Allocator.Service -c Release -nologo -v quiet -r linux-x64 --self-contained false \
    -p:PublishReadyToRun=true -p:UseAppHost=false -o "$WORK/bin" >/dev/null || exit 2
  BIN="$WORK/bin/Allocator.Service.dll"
fi

cleanup() {
  trap - EXIT INT TERM
  for name in "${!PID[@]}"; do kill -CONT "${PID[$name]}" 2>/dev/null; kill -9 "${PID[$name]}" 2>/dev/null; done
  ha_end
  [ -f "$WORK/redis.pid" ] && { kill -CONT "$(cat "$WORK/redis.pid")" 2>/dev/null; kill -9 "$(cat "$WORK/redis.pid")" 2>/dev/null; }
  if [ "${KEEP_LOGS:-0}" = 1 ]; then echo "logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

# The Redis the allocator talks to: the single server of 1-6; for 7-10 the current primary
# (asked of a Sentinel) or the forwarder's address. REDIS_ADDR is what the replicas are given.
RCLI_PORT=$REDIS_PORT
REDIS_ADDR="127.0.0.1:$REDIS_PORT"
rcli() { redis-cli -p "$(current_port)" "$@"; }
current_port() {
  if [ -n "${SENTINEL_PORTS:-}" ]; then
    local s; for s in $SENTINEL_PORTS; do
      local addr; addr=$(redis-cli -p "$s" sentinel get-master-addr-by-name mymaster 2>/dev/null | tail -1)
      [ -n "$addr" ] && { echo "$addr"; return; }
    done
  fi
  echo "$RCLI_PORT"
}

start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK" --appendonly yes --appendfsync everysec \
    --save "" --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log" >/dev/null
  # Waits below are deadlines on observable state, generous for a busy CI machine: they end as
  # soon as the state is reached, so they cost nothing when it is quick.
  for _ in $(seq 1200); do [ "$(rcli ping 2>/dev/null)" = "PONG" ] && return 0; sleep 0.05; done
  echo "redis did not start within 60 s" >&2; return 1
}

# start_replica NAME VERSION [extra settings...]
start_replica() {
  local name=$1 version=$2; shift 2
  local port=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1))
  # A crash leaves a small dump and a crash report (managed stacks) for report_exit.
  DOTNET_DbgEnableMiniDump=1 DOTNET_DbgMiniDumpType=1 DOTNET_EnableCrashReport=1 DOTNET_DbgMiniDumpName="$WORK/$name.%p.dmp" \
  dotnet "$BIN" --Allocator:ListenAddress=127.0.0.1 --Allocator:Port="$port" --Allocator:OpsPort=0 --Allocator:Plaintext=true \
    --Allocator:Redis="$REDIS_ADDR" \
    --Allocator:KeyPrefix="$PREFIX" --Allocator:ReplicaId="$name" --Allocator:Version="$version" \
    --Allocator:LeaseTtl="00:00:0$TTL" --Allocator:LeaseRetry=00:00:00.250 \
    --Allocator:Inventory:DemoFleet="servers=5000,nodes=50,capacity=10,counter=rooms,fleet=chaos" \
    --Logging:Console:FormatterOptions:TimestampFormat="HH:mm:ss.fff " --Logging:Console:FormatterOptions:UseUtcTimestamp=false "$@" >>"$WORK/$name.log" 2>&1 &
  PID[$name]=$!; PORT[$name]=$port; VERSION[$name]=$version
  for _ in $(seq 1200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0; sleep 0.05; done
  echo "replica $name did not start within 60 s" >&2; tail -5 "$WORK/$name.log" >&2; return 1
}

write_targets() {
  local list=""
  for name in "${!PID[@]}"; do list+="http://127.0.0.1:${PORT[$name]}"$'\n'; done
  printf '%s' "$list" >"$WORK/targets.tmp" && mv "$WORK/targets.tmp" "$WORK/targets"
}

forget() { unset "PID[$1]" "PORT[$1]" "VERSION[$1]"; write_targets; }
leader() { rcli hget "{$PREFIX}:leader-info" replica; }
epoch() { rcli get "{$PREFIX}:epoch"; }
wait_epoch_above() { for _ in $(seq 2400); do [ "$(epoch)" -gt "$1" ] 2>/dev/null && return 0; sleep 0.025; done; echo "epoch did not pass $1 within 60 s" >&2; return 1; }

# begin SCENARIO-NUMBER [settings...]: fresh prefix (fresh fleet), three replicas, first leader elected.
begin() {
  PREFIX="chaos$1-$RANDOM"; shift
  for i in 1 2 3; do start_replica "r$i" "1.0.0" "$@" || return 1; done
  write_targets
  wait_epoch_above 0
}

# A replica that exited before we stopped it: show why (the logs go with the work folder).
report_exit() {
  echo "replica $1 exited on its own; the end of its log:" >&2
  tail -40 "$WORK/$1.log" | sed 's/^/    /' >&2
  for report in "$WORK/$1".*.crashreport.json; do
    [ -f "$report" ] && { echo "  crash report $report:" >&2; head -c 4000 "$report" | sed 's/^/    /' >&2; echo >&2; }
  done
}

end() {
  for name in "${!PID[@]}"; do kill -0 "${PID[$name]}" 2>/dev/null || report_exit "$name"; done
  for name in "${!PID[@]}"; do kill -CONT "${PID[$name]}" 2>/dev/null; kill -TERM "${PID[$name]}" 2>/dev/null; done
  for name in "${!PID[@]}"; do wait "${PID[$name]}" 2>/dev/null; unset "PID[$name]"; done
}

# load NAME SECONDS RATE [requirements...]: runs in the background; `finish` waits and scores it.
load() {
  local name=$1 seconds=$2 rate=$3; shift 3
  dotnet "$BIN" load --targets-file "$WORK/targets" --duration "$seconds" --rate "$rate" --deadline-ms 10000 \
    --fleet chaos --counter rooms --redis "$REDIS_ADDR" --prefix "$PREFIX" --scenario "$name" "$@" \
    $([ "${KEEP_LOGS:-0}" = 1 ] && echo "--events $WORK/events-${name%%.*}.txt") >"$WORK/row" 2>"$WORK/row.err" &
  LOAD=$!
  # Failures are injected once the generator measures, not while it warms up (its start and
  # 2 s warm-up take longer on a busy machine).
  for _ in $(seq 2400); do grep -q "^load: measuring" "$WORK/row.err" 2>/dev/null && return 0; sleep 0.025; done
  echo "load generator did not start measuring within 60 s" >&2
}

gap() { [ $SHORT = 1 ] || echo "--max-gap-ms $1"; }

finish() {
  wait "$LOAD"; local rc=$?
  cat "$WORK/row"
  if [ $rc -eq 0 ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); sed 's/^/    /' "$WORK/row.err" >&2; fi
}

scenario_1() {
  local kills=10; [ $SHORT = 1 ] && kills=3
  begin 1 || return 1
  load "1. kill -9 the leader x$kills" $((kills * 5 + 3)) "$RATE" $(gap $((TTL * 1000 + 500)))
  for _ in $(seq "$kills"); do
    sleep 2
    local l e; l=$(leader); e=$(epoch)
    kill -9 "${PID[$l]}"; wait "${PID[$l]}" 2>/dev/null; forget "$l"
    wait_epoch_above "$e"
    start_replica "$l" "1.0.0"; write_targets
    sleep 1
  done
  finish; end
}

scenario_2() {
  local rounds=3; [ $SHORT = 1 ] && rounds=1
  begin 2 || return 1
  load "2. rolling update x$rounds" $((rounds * 12 + 4)) "$RATE" $(gap 100) --max-failed 0
  sleep 2
  for round in $(seq "$rounds"); do
    local version="1.$round.0"
    for old in $(printf '%s\n' "${!PID[@]}" | sort); do
      [ "${VERSION[$old]}" = "$version" ] && continue
      start_replica "${old%%-*}-v$round" "$version"; write_targets   # maxSurge 1: the new one first
      unset "PORT[$old]"; local pid=${PID[$old]}; unset "PID[$old]" "VERSION[$old]"; write_targets
      sleep 0.3                                                      # endpoints update before SIGTERM
      kill -0 "$pid" 2>/dev/null || report_exit "$old"
      kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    done
  done
  sleep 2
  finish; end
}

scenario_3() {
  begin 3 || return 1
  load "3. SIGSTOP the leader 2xTTL" $((TTL * 2 + 10)) "$RATE"
  sleep 2
  local l; l=$(leader)
  echo "SIGSTOP $l (pid ${PID[$l]}, epoch $(epoch))" >&2
  kill -STOP "${PID[$l]}"; sleep $((TTL * 2)); kill -CONT "${PID[$l]}"
  echo "SIGCONT $l; leader now $(leader), epoch $(epoch)" >&2
  finish; end
}

scenario_4() {
  begin 4 || return 1
  load "4. restart Redis (AOF)" 15 "$RATE"
  sleep 4
  rcli shutdown >/dev/null 2>&1; sleep 0.5
  start_redis
  finish; end
}

scenario_5() {
  begin 5 || return 1
  load "5. Redis unreachable 5 s" 16 "$RATE"
  sleep 4
  local pid; pid=$(cat "$WORK/redis.pid")
  kill -STOP "$pid"; sleep 5; kill -CONT "$pid"
  finish; end
}

scenario_6() {
  PREFIX="chaos6-$RANDOM"
  for i in 1 2 3; do start_replica "r$i" "1.0.0" --Allocator:MaxInFlight=300 || return 1; done
  write_targets; wait_epoch_above 0
  load "6. 5x overload for 30 s" 30 "$OVERLOAD_RATE"
  local peak=0
  for _ in $(seq 30); do
    sleep 1
    for name in "${!PID[@]}"; do
      local rss; rss=$(awk '/VmRSS/ {print $2}' "/proc/${PID[$name]}/status" 2>/dev/null || echo 0)
      [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    done
  done
  finish; end
  echo "    (scenario 6: peak replica RSS $((peak / 1024)) MiB)"
}

# --- Redis failover (7-10): nodes, Sentinels and a forwarder of their own --------------------
declare -A NODE_PORT
HA_PIDS=()

# node NAME [PRIMARY_PORT]: a Redis with AOF that, as a primary, refuses writes without a
# replica no more than 2 s behind (an isolated old primary cannot act).
node() {
  local name=$1 port=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1)); shift
  mkdir -p "$WORK/$name"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$WORK/$name" --appendonly yes --appendfsync everysec --save "" \
    --min-replicas-to-write 1 --min-replicas-max-lag 2 --repl-diskless-sync-delay 0 --daemonize yes --pidfile "$WORK/$name.pid" --logfile "$WORK/$name.log" \
    ${1:+--replicaof 127.0.0.1 "$1"} >/dev/null
  NODE_PORT[$name]=$port
  for _ in $(seq 1200); do [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ] && return 0; sleep 0.05; done
  echo "redis node $name did not start within 60 s" >&2; return 1
}
node_pid() { cat "$WORK/$1.pid" 2>/dev/null; }
synced() { for _ in $(seq 1200); do redis-cli -p "$1" info replication 2>/dev/null | grep -q "master_link_status:up" && return 0; sleep 0.05; done; echo "replica on $1 did not sync within 60 s" >&2; return 1; }

sentinels() {
  SENTINEL_PORTS=""
  local addrs=""
  for i in 1 2 3; do
    local port=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1))
    cat >"$WORK/sentinel$i.conf" <<CONF
port $port
bind 127.0.0.1
daemonize yes
pidfile $WORK/sentinel$i.pid
logfile $WORK/sentinel$i.log
dir $WORK
sentinel monitor mymaster 127.0.0.1 $1 2
sentinel down-after-milliseconds mymaster $DOWN_AFTER
sentinel failover-timeout mymaster 10000
sentinel parallel-syncs mymaster 1
CONF
    redis-sentinel "$WORK/sentinel$i.conf" >/dev/null
    SENTINEL_PORTS+="$port "; addrs+="127.0.0.1:$port,"
  done
  REDIS_ADDR="${addrs}serviceName=mymaster"
  for s in $SENTINEL_PORTS; do
    for _ in $(seq 1200); do [ "$(redis-cli -p "$s" sentinel get-master-addr-by-name mymaster 2>/dev/null | tail -1)" = "$1" ] && break; sleep 0.05; done
  done
}

# A primary with two replicas behind three Sentinels.
ha_sentinel() {
  node "n1-$1" || return 1; local p=${NODE_PORT[n1-$1]}
  node "n2-$1" "$p" && node "n3-$1" "$p" || return 1
  synced "${NODE_PORT[n2-$1]}" && synced "${NODE_PORT[n3-$1]}" || return 1
  sentinels "$p"
}

# The primary whose port a Sentinel names; the node name.
primary_node() { local port; port=$(current_port); for n in "${!NODE_PORT[@]}"; do [ "${NODE_PORT[$n]}" = "$port" ] && echo "$n"; done; }
# N replicas of the current primary are online: synced and streaming (the next failover
# starts from a healthy Redis; one during a resync is the window docs/operations.md describes).
replicas_in_sync() {
  for _ in $(seq 2400); do
    local online; online=$(redis-cli -p "$(current_port)" info replication 2>/dev/null | grep -c "^slave[0-9]*:.*state=online")
    [ "$online" = "$1" ] && return 0; sleep 0.025
  done
  echo "the replicas did not catch up within 60 s" >&2; return 1
}
wait_new_primary() {
  for _ in $(seq 2400); do local now; now=$(current_port); [ -n "$now" ] && [ "$now" != "$1" ] && [ "$(redis-cli -p "$now" role 2>/dev/null | head -1)" = "master" ] && return 0; sleep 0.025; done
  echo "no new primary within 60 s" >&2; return 1
}

ha_end() {
  for s in ${SENTINEL_PORTS:-}; do redis-cli -p "$s" shutdown nosave >/dev/null 2>&1; done
  for n in "${!NODE_PORT[@]}"; do local pid; pid=$(node_pid "$n"); [ -n "$pid" ] && { kill -CONT "$pid" 2>/dev/null; kill -9 "$pid" 2>/dev/null; }; done
  for pid in "${HA_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  NODE_PORT=(); HA_PIDS=(); SENTINEL_PORTS=""; RCLI_PORT=$REDIS_PORT; REDIS_ADDR="127.0.0.1:$REDIS_PORT"
}

ha_replicas() { begin "$1" --Allocator:MinReplicas="$MIN_REPLICAS"; }

scenario_7() {
  ha_sentinel 7 || return 1
  ha_replicas 7 || return 1
  load "7. Sentinel failover, kill -9 the primary" 16 "$RATE" $(gap $((DOWN_AFTER + 2000)))
  sleep 3
  local old; old=$(current_port)
  echo "kill -9 primary $(primary_node) (port $old)" >&2
  kill -9 "$(node_pid "$(primary_node)")"
  wait_new_primary "$old" && echo "promoted $(primary_node) (port $(current_port))" >&2
  finish; end; ha_end
}

# forwarder PORT TARGET-FILE: a TCP forwarder (a managed endpoint, or a replication link) -> sets FWD_PID
forwarder() {
  dotnet "${FORWARD_BIN:-$BIN}" forward --listen "127.0.0.1:$1" --target-file "$2" 2>>"$WORK/forward.log" &
  FWD_PID=$!; HA_PIDS+=("$FWD_PID"); disown "$FWD_PID" 2>/dev/null   # its kill -9 later is no news
  for _ in $(seq 1200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
  echo "forwarder on $1 did not start within 60 s" >&2; return 1
}

scenario_8() {
  node "p-8" || return 1; local p=${NODE_PORT[p-8]}
  # The replica reads the primary through a link we can hold: a stopped link keeps the bytes
  # (a stopped replica would not: its kernel still takes them in), so the replica really lags.
  local link=$NEXT_PORT fwd=$((NEXT_PORT + 1)); NEXT_PORT=$((NEXT_PORT + 2))
  echo "127.0.0.1:$p" >"$WORK/link-target"; forwarder "$link" "$WORK/link-target" || return 1; local link_pid=$FWD_PID
  node "r-8" "$link" || return 1; local r=${NODE_PORT[r-8]}
  synced "$r" || return 1
  echo "127.0.0.1:$p" >"$WORK/forward-target"; forwarder "$fwd" "$WORK/forward-target" || return 1
  RCLI_PORT=$fwd; REDIS_ADDR="127.0.0.1:$fwd"
  ha_replicas 8 || return 1
  load "8. failover to a lagging replica" 16 "$RATE" $(gap $((DOWN_AFTER + 2000)))
  sleep 3
  # The replica falls 1.5 s behind; the primary dies with what the replica never got; the
  # lagging replica is promoted behind the same address, and a new replica joins it (what a
  # managed service does).
  kill -STOP "$link_pid"; sleep 1.5
  kill -9 "$(node_pid p-8)" "$link_pid"
  redis-cli -p "$r" replicaof no one >/dev/null
  echo "127.0.0.1:$r" >"$WORK/forward-target"
  node "r2-8" "$r" || return 1
  echo "lagging replica promoted behind the forwarder; new replica joined" >&2
  finish; end; ha_end
}

scenario_9() {
  ha_sentinel 9 || return 1
  ha_replicas 9 || return 1
  load "9. isolated primary (SIGSTOP past down-after)" 18 "$RATE" $(gap $((DOWN_AFTER + 2000)))
  sleep 3
  local old n pid; old=$(current_port); n=$(primary_node); pid=$(node_pid "$n")
  echo "SIGSTOP primary $n (port $old)" >&2
  kill -STOP "$pid"
  wait_new_primary "$old" && echo "promoted $(primary_node) (port $(current_port))" >&2
  sleep 1; kill -CONT "$pid"
  echo "SIGCONT $n: the old primary resumes, to be demoted" >&2
  finish; end; ha_end
}

scenario_10() {
  local failovers=5
  ha_sentinel 10 || return 1
  ha_replicas 10 || return 1
  load "10. $failovers failovers and a rolling update" $((failovers * 6 + 16)) "$RATE" $(gap $((DOWN_AFTER + 2000)))
  sleep 3
  for round in $(seq "$failovers"); do
    local old n; old=$(current_port); n=$(primary_node)
    kill -9 "$(node_pid "$n")"
    wait_new_primary "$old" || break
    # The old primary comes back as a replica of the new one (Sentinel reconfigures it).
    redis-server --port "$old" --bind 127.0.0.1 --dir "$WORK/$n" --appendonly yes --appendfsync everysec --save "" \
      --min-replicas-to-write 1 --min-replicas-max-lag 2 --repl-diskless-sync-delay 0 --daemonize yes --pidfile "$WORK/$n.pid" --logfile "$WORK/$n.log" \
      --replicaof 127.0.0.1 "$(current_port)" >/dev/null
    replicas_in_sync 2 || break
    echo "failover $round: $(primary_node) leads Redis now, both replicas in sync" >&2
    if [ "$round" = 3 ]; then
      for old in $(printf '%s\n' "${!PID[@]}" | sort); do
        start_replica "${old%%-*}-v2" "2.0.0" --Allocator:MinReplicas=1; write_targets
        unset "PORT[$old]"; local pid=${PID[$old]}; unset "PID[$old]" "VERSION[$old]"; write_targets
        sleep 0.3; kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
      done
      echo "rolled the allocator replicas to 2.0.0" >&2
    fi
    sleep 3
  done
  finish; end; ha_end
}

start_redis || exit 2
echo "Chaos: ${RATE} calls/s open loop, lease TTL ${TTL} s, Redis $(redis-server --version | awk '{print $3}'), $(nproc) cores"
echo
echo "| scenario | sent | ok | failed by code | lost | over capacity | applied twice | occupancy = answers | longest gap ms | p50 ms | p99 ms | ok/s |"
echo "|---|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---:|"
for n in $ONLY; do "scenario_$n" || FAILED=$((FAILED + 1)); done
echo
echo "chaos: $PASSED passed, $FAILED failed"
[ $FAILED -eq 0 ]
