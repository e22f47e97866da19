#!/usr/bin/env bash
# Benchmarks, side by side with the design we replace, on this machine, in one run:
#  - this allocator: Redis + N replicas (one leader) driven through gRPC by the load generator,
#    closed loop (max throughput at a concurrency) and open loop (a target rate);
#  - the Agones-style comparator: N `baseline-replica` processes behind the same gRPC front, each
#    with its own cache, optimistic concurrency per allocation, 5 retries 10 ms apart; the same
#    fleet and the same load rows;
#  - the cost of MinReplicas = 1 (one WAIT per batch, a replica Redis beside the primary);
#  - leader resume: lease -> first answered allocation with 1k, 10k, 100k servers;
#  - CPU per call: h2load (apt nghttp2-client) drives gRPC unary calls at saturation, and every
#    process that serves them (replicas, Redis, h2load) is charged its CPU from /proc, beside a
#    bare grpc-dotnet app (scripts/grpc-floor), the framework's floor, and the comparator's
#    3 replicas driven the same way;
#  - partitions: the same CPU accounting with 1, 2 and 4 partitions on a Redis Cluster (3 primaries
#    + 3 replicas, started here) and 2 replicas: at saturation, and at a fixed rate per partition
#    (--partition-rate, open loop), where every leader's batches are alike whatever the partition count.
# Prints markdown tables; raw figures go to artifacts/bench/*.json.
# Usage: scripts/bench.sh [--only "e2e minreplicas baseline resume cpu partitions"] [--duration 10] [--replicas 3]
#                         [--servers 20000] [--concurrency 64] [--rate 5000] [--resume "1000 10000 100000"]
#                         [--calls 30000] [--repeat 3] [--warmup 150000] [--connections 4] [--streams 16]
#                         [--partitions "1 2 4"] [--partition-rate 1000]
# --only runs the named sections (default: all, in that order). The cpu section measures each row
# --repeat times (--calls each, after --warmup calls) and shows the run with the median total;
# the warm-up is long enough for .NET's tiered compilation to settle (a replica's first ~100,000
# calls cost up to 3x more CPU while it recompiles the hot path); its fleet grows to hold them all;
# --connections and --streams are h2load's, per replica. The partitions section repeats its rows
# at --partition-rate calls/s per partition, --duration seconds per run.
set -uo pipefail
cd "$(dirname "$0")/.."

COMMAND="scripts/bench.sh $*"
SECTIONS="e2e minreplicas baseline resume cpu partitions"
ONLY=$SECTIONS; DURATION=10; REPLICAS=3; SERVERS=20000; CONCURRENCY=64; RATE=5000; RESUME="1000 10000 100000"
CALLS=30000; WARMUP=150000; REPEAT=3; CONNECTIONS=4; STREAMS=16; PARTITIONS="1 2 4"; PARTITION_RATE=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY=$2; shift 2 ;;
    --calls) CALLS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --streams) STREAMS=$2; shift 2 ;;
    --partitions) PARTITIONS=$2; shift 2 ;;
    --partition-rate) PARTITION_RATE=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --replicas) REPLICAS=$2; shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --resume) RESUME=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
for section in $ONLY; do
  [[ " $SECTIONS " == *" $section "* ]] || { echo "unknown section '$section' (sections: $SECTIONS)" >&2; exit 2; }
done
wants() { [[ " $ONLY " == *" $1 "* ]]; }
if wants cpu || wants partitions; then
  # Each Allocate row has a fresh fleet, large enough for its calls, warm-up and probes.
  CPU_SERVERS=$(( (CALLS * REPEAT + WARMUP + 10 + 9) / 10 )); [ "$CPU_SERVERS" -lt "$SERVERS" ] && CPU_SERVERS=$SERVERS
  command -v h2load >/dev/null || { echo "h2load is required for the cpu section (apt-get install nghttp2-client)" >&2; exit 2; }
fi

BIN=Allocator.Service/bin/Release/net10.0/Allocator.Service.dll
OUT=artifacts/bench; mkdir -p "$OUT"
WORK=$(mktemp -d)
# Ports below Linux's ephemeral range (32768 up), where an outgoing connection may hold one.
REDIS_PORT=$((20000 + RANDOM % 10000))
NEXT_PORT=$((REDIS_PORT + 1))
PIDS=(); REDIS_PORTS=()
RP=$REDIS_PORT # the Redis that rcli and new replicas use
command -v redis-server >/dev/null || { echo "redis-server is required" >&2; exit 2; }
dotnet build Allocator.Service -c Release -nologo -v quiet >/dev/null || exit 2

cleanup() {
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  for port in "${REDIS_PORTS[@]}"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
rcli() { redis-cli -p "$RP" "$@"; }

# start_redis PORT [settings...]: a throw-away Redis (no persistence), once it answers.
start_redis() {
  local port=$1; shift
  REDIS_PORTS+=("$port")
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --dir "$WORK" "$@" >/dev/null
  for _ in $(seq 100); do [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ] && return 0; sleep 0.05; done
  echo "redis on $port did not start" >&2; return 1
}
stop_redis() { redis-cli -p "$1" shutdown nosave >/dev/null 2>&1; }
start_redis "$REDIS_PORT" || exit 2

# replica NAME PREFIX SERVERS [settings...] -> sets REPLICA_PID, REPLICA_URL. MODE=(baseline-replica)
# starts the Agones-style comparator instead (same settings, same front).
MODE=()
replica() {
  local port=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1))
  local name=$1 prefix=$2 servers=$3; shift 3
  dotnet "$BIN" "${MODE[@]}" --Allocator:ListenAddress=127.0.0.1 --Allocator:Port="$port" --Allocator:OpsPort=0 --Allocator:Plaintext=true \
    --Allocator:Redis="127.0.0.1:$RP" \
    --Allocator:KeyPrefix="$prefix" --Allocator:ReplicaId="$name" --Allocator:LeaseRetry=00:00:00.250 \
    --Allocator:Inventory:DemoFleet="servers=$servers,nodes=$(( servers / 100 > 0 ? servers / 100 : 1 )),capacity=10,counter=rooms,fleet=bench" \
    --Logging:Console:FormatterName=simple "$@" >"$WORK/$name.log" 2>&1 &
  REPLICA_PID=$!; PIDS+=("$REPLICA_PID"); REPLICA_URL="http://127.0.0.1:$port"
  for _ in $(seq 1200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "$REPLICA_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "replica $name did not start; the end of its log:" >&2; tail -n 20 "$WORK/$name.log" >&2; return 1
}
wait_leader() { for _ in $(seq 600); do [ -n "$(rcli hget "{$1}:leader-info" replica)" ] && return 0; sleep 0.05; done; return 1; }
wait_seeded() { for _ in $(seq 1200); do [ "$(rcli hlen "{$1}:gameservers")" -ge "$2" ] && return 0; sleep 0.05; done; return 1; }
stop_replicas() { for pid in "${PIDS[@]}"; do kill "-$1" "$pid" 2>/dev/null; done; wait 2>/dev/null; PIDS=(); }
ready() { for _ in $(seq 1200); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return 0; sleep 0.05; done; return 1; }
wait_port() { for _ in $(seq 1200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

echo "Command: $COMMAND"
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), .NET $(dotnet --version), Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2)"
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Fleet: $SERVERS servers x 10 sessions, $((SERVERS / 100)) nodes; $REPLICAS replicas; $DURATION s per run"
echo

# 1. This allocator.
declare -A PID_OF
# fleet_rows PREFIX NAME DESIGN [settings...]: 3 replicas on their own prefix, then the closed
# (64 and 256 callers) and open-loop rows, then the replicas stop. With MODE set (the comparator)
# there is no leader: the rows count the replicas' version conflicts instead.
fleet_rows() {
  local prefix=$1 name=$2 design=$3; shift 3
  local urls="" metrics="" ops i
  for i in $(seq "$REPLICAS"); do
    if [ ${#MODE[@]} -gt 0 ]; then
      ops=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1))
      replica "$name$i" "$prefix" "$SERVERS" --Allocator:OpsPort="$ops" "$@" || exit 1
      ready "$ops" || { echo "replica $name$i did not become ready" >&2; exit 1; }
      metrics+="http://127.0.0.1:$ops/metrics,"
    else
      replica "$name$i" "$prefix" "$SERVERS" "$@" || exit 1
    fi
    PID_OF[$name$i]=$REPLICA_PID; urls+="$REPLICA_URL,"
  done
  local common=(--targets "${urls%,}" --duration "$DURATION" --fleet bench --redis "127.0.0.1:$REDIS_PORT" --prefix "$prefix"
    --bench-design "$design")
  if [ ${#MODE[@]} -gt 0 ]; then
    common+=(--conflicts-from "${metrics%,}")
  else
    wait_leader "$prefix" || exit 1
    common+=(--leader-pid "${PID_OF[$(rcli hget "{$prefix}:leader-info" replica)]}")
  fi
  dotnet "$BIN" load "${common[@]}" --concurrency "$CONCURRENCY" --json "$OUT/$prefix-closed.json"
  dotnet "$BIN" load "${common[@]}" --concurrency $((CONCURRENCY * 4)) --json "$OUT/$prefix-closed-max.json"
  dotnet "$BIN" load "${common[@]}" --rate "$RATE" --json "$OUT/$prefix-open.json"
  stop_replicas TERM
}

# One table: this allocator's rows, then the comparator's.
table_rows() { wants e2e || wants minreplicas || wants baseline; }
if table_rows; then
  echo '| design | load | sent | ok/s | p50 ms | p90 ms | p99 ms | max ms | errors | servers in use | optimal | mean batch | leader CPU |'
  echo '|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|'
fi
wants e2e && fleet_rows bench r "this allocator: $REPLICAS replicas, one leader, batches"

# 1b. The same with MinReplicas = 1: a replica Redis acknowledges each batch (WAIT) before answers go out.
if wants minreplicas; then
  REPLICA_REDIS=$((REDIS_PORT + 1000))
  start_redis "$REPLICA_REDIS" --replicaof 127.0.0.1 "$REDIS_PORT" || exit 1
  for _ in $(seq 200); do redis-cli -p "$REPLICA_REDIS" info replication 2>/dev/null | grep -q master_link_status:up && break; sleep 0.05; done
  fleet_rows benchwait m "this allocator, MinReplicas 1 (WAIT per batch)" --Allocator:MinReplicas=1
  stop_redis "$REPLICA_REDIS"
fi

# 2. The Agones-style comparator behind the same front: same fleet, same load rows.
if wants baseline; then
  MODE=(baseline-replica)
  fleet_rows baseline b "Agones-style comparator: $REPLICAS replicas, own caches, OCC"
  MODE=()
fi
table_rows && echo

# 3. Leader resume: a standby takes over from a killed leader; and a full load of the hash.
if wants resume; then
  echo "| servers | kill -9 -> standby's first answers (lease -> first answers) | full load of the hash (a replica starting) |"
  echo "|---:|---:|---:|"
  for size in $RESUME; do
    prefix="resume$size"
    replica "a$size" "$prefix" "$size" || exit 1; first=$REPLICA_PID
    wait_leader "$prefix" || exit 1
    wait_seeded "$prefix" "$size"
    replica "b$size" "$prefix" "$size" || exit 1; url_b=$REPLICA_URL
    dotnet "$BIN" load --targets "$url_b" --duration 6 --rate 100 --fleet bench --warmup 1 >/dev/null 2>&1 &
    load=$!
    sleep 3; kill -9 "$first"
    wait "$load" 2>/dev/null
    takeover=$(grep -o 'first answers committed [0-9]* ms after taking the lease' "$WORK/b$size.log" | grep -o '[0-9]*' | head -1)
    loaded=$(grep -o "Loaded $size game servers from the hash in [0-9]* ms" "$WORK/b$size.log" | head -1 | grep -o '[0-9]* ms$')
    echo "| $size | ${takeover:-?} ms | ${loaded:-?} |"
    stop_replicas 9
  done
  echo
fi

# 4. CPU per call. h2load sends gRPC unary calls (the body: one framed message from the
# `grpc-body` subcommand) at saturation; every process that serves them is charged its
# utime+stime from /proc over the measured run, and h2load its own (bash `times` of the
# subshell that ran it). h2load sees only HTTP 200, so a curl probe shows each row's gRPC status
# and, where there are replicas, their allocator_allocations_total by status (and for Allocate
# the sessions stored in Redis) are compared before and after. A warm-up run (JIT, connections)
# precedes every measured one; each Allocate row has a fresh fleet on its own Redis.
TICK=$(getconf CLK_TCK)
ticks() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }; s=${s##*) }; set -- $s; echo $(( ${12} + ${13} )); }
redis_pid() { redis-cli -p "$1" info server | tr -d '\r' | awk -F: '/^process_id:/ {print $2}'; }
path_of() { [ "$1" = health ] && echo /grpc.health.v1.Health/Check || echo /allocation.AllocationService/Allocate; }

# h2 CALLS KIND: one h2load per URL of the row (CALLS split evenly), CONNECTIONS x STREAMS
# each. Sets H2_OK (HTTP 2xx answers), H2_SECONDS (wall clock) and H2_CPU_US (h2load's CPU).
h2() {
  local calls=$1 kind=$2 i=0 t0 t1
  rm -f "$WORK"/h2-*.out
  t0=$(date +%s%N)
  ( for url in "${ROW_URLS[@]}"; do
      i=$((i + 1))
      h2load -n $((calls / ${#ROW_URLS[@]})) -c "$CONNECTIONS" -m "$STREAMS" -d "$WORK/$kind.bin" \
        -H 'content-type: application/grpc' -H 'te: trailers' "$url$(path_of "$kind")" >"$WORK/h2-$i.out" 2>&1 &
    done
    wait; times >"$WORK/h2.times" )
  t1=$(date +%s%N)
  H2_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print (b - a) / 1e9}')
  H2_OK=$(awk '/^status codes:/ {s += $3} END {print s + 0}' "$WORK"/h2-*.out)
  H2_CPU_US=$(awk 'function cpu(t, m) { split(t, m, /[ms]/); return m[1] * 60 + m[2] } NR == 2 {print (cpu($1) + cpu($2)) * 1e6}' "$WORK/h2.times")
}

# probe KIND: one call to the row's first URL with curl, which reads the gRPC trailers.
probe() {
  curl -s --http2-prior-knowledge --max-time 30 --data-binary @"$WORK/$1.bin" -H 'content-type: application/grpc' \
    -H 'te: trailers' -D "$WORK/probe.h" -o "$WORK/probe.b" "${ROW_URLS[0]}$(path_of "$1")"
  local status body
  status=$(tr -d '\r' <"$WORK/probe.h" | awk '/^grpc-status:/ {print $2}')
  body=$(od -An -v -tx1 "$WORK/probe.b" | tr -d ' \n')
  case "$1:$status:$body" in
    health:0:00000000020801) echo "probe: grpc-status 0, SERVING" ;;
    *) echo "probe: grpc-status ${status:-none}" ;;
  esac
}

# statuses: the row's replicas' allocator_allocations_total, summed, one "status count" a line;
# and the comparator's version conflicts (allocator_baseline_conflicts_total) as "conflicts count".
statuses() {
  for port in "${ROW_OPS[@]}"; do curl -s "http://127.0.0.1:$port/metrics"; done |
    awk '/^allocator_allocations_total[{]/ { match($0, /status="[^"]*"/); st = substr($0, RSTART + 8, RLENGTH - 9)
           v = $0; sub(/^[^}]*[}] */, "", v); split(v, f, " "); n[st] += f[1] }
         /^allocator_baseline_conflicts_total[{ ]/ { v = $0; sub(/^[^ {]*([{][^}]*[}])? */, "", v); split(v, f, " "); n["conflicts"] += f[1] }
         END { for (st in n) print st, n[st] }'
}
occupancy() { dotnet "$BIN" occupancy --redis "127.0.0.1:$RP" --prefix "$ROW_PREFIX" --fleet bench --counter rooms; }

# us TICKS: CPU µs per answered call of the last h2 run.
us() { awk -v t="$1" -v c="$H2_OK" -v hz="$TICK" 'BEGIN {printf "%.0f", (c > 0 ? t * 1e6 / hz / c : 0)}'; }

# measure KIND: one measured h2load run of CALLS calls; prints "total<TAB>calls/s<TAB>cells", the
# cells being the table's from calls to total (µs of CPU per answered call, per process).
measure() {
  local pids=("${ROW_PIDS[@]}" "${ROW_REDIS[@]}") t0=() t1=() i d n=${#ROW_PIDS[@]} replicas=0 redis=0 split_r="" split_s=""
  for pid in "${pids[@]}"; do t0+=("$(ticks "$pid")"); done
  h2 "$CALLS" "$1"
  for pid in "${pids[@]}"; do t1+=("$(ticks "$pid")"); done
  for i in "${!pids[@]}"; do
    d=$(( t1[i] - t0[i] ))
    if [ "$i" -lt "$n" ]; then
      replicas=$((replicas + d)); split_r+="${split_r:+ + }$( [ "$i" = 0 ] && [ "$ROW_LEADER" = 1 ] && echo "leader ")$(us "$d")"
    else
      redis=$((redis + d)); split_s+="${split_s:+ + }$( [ "$i" -gt "$n" ] && echo "replica ")$(us "$d")"
    fi
  done
  [ "$n" -gt 1 ] && split_r=" ($split_r)" || split_r=""
  [ ${#ROW_REDIS[@]} -gt 1 ] && split_s=" ($split_s)" || split_s=""
  local redis_cell="-" rate; [ ${#ROW_REDIS[@]} -gt 0 ] && redis_cell="$(us "$redis")$split_s"
  rate=$(awk -v c="$H2_OK" -v s="$H2_SECONDS" 'BEGIN {printf "%.0f", c / s}')
  printf '%s\t%s\t%s\n' "$(us $((replicas + redis)))" "$rate" \
    "$H2_OK | $rate | $(us "$replicas")$split_r | $redis_cell | $(awk -v u="$H2_CPU_US" -v c="$H2_OK" 'BEGIN {printf "%.0f", (c > 0 ? u / c : 0)}')"
}

# cpu_row LABEL KIND: probe, warm up, measure REPEAT times; prints the run with the median total
# (and the range of totals), and checks the answers of all runs. Sets ROW_RATE (median calls/s).
cpu_row() {
  local label=$1 kind=$2 check before_status="" before_sessions="" runs median range r
  check=$(probe "$kind")
  h2 "$WARMUP" "$kind"
  [ "$kind" != health ] && before_status=$(statuses)
  [ "$kind" = allocate ] && before_sessions=$(occupancy)
  runs=$(for r in $(seq "$REPEAT"); do measure "$kind"; done)
  if [ "$kind" != health ]; then
    check+="; answers by status, all runs: $(printf '%s\n%s\n' "$before_status" "$(statuses | sed 's/^/after /')" |
      awk 'NF == 2 {b[$1] = $2} NF == 3 {d = $3 - b[$2]; if (d > 0) out = out (out ? ", " : "") $2 " " d} END {print out ? out : "none"}')"
  fi
  if [ "$kind" = allocate ]; then
    check+="; $(printf '%s %s\n' "$before_sessions" "$(occupancy)" | tr '=' ' ' |
      awk '{printf "sessions stored +%d, servers in use %d (optimal %d)", $6 - $2, $8, int(($6 + 9) / 10)}')"
  fi
  local sent=$(( CALLS / ${#ROW_URLS[@]} * ${#ROW_URLS[@]} * REPEAT )) answered
  answered=$(cut -f3 <<<"$runs" | awk '{s += $1} END {print s}')
  [ "$answered" -lt "$sent" ] && check+="; h2load: only $answered of $sent answered 2xx"
  median=$(sort -t$'\t' -k1,1n <<<"$runs" | sed -n "$(( (REPEAT + 1) / 2 ))p")
  ROW_RATE=$(cut -f2 <<<"$runs" | sort -n | sed -n "$(( (REPEAT + 1) / 2 ))p")
  range=$(cut -f1 <<<"$runs" | sort -n | sed -n '1p;$p' | paste -sd- | sed 's/-/–/')
  [ "$REPEAT" -gt 1 ] && range=" ($range)" || range=""
  echo "| $label | $(cut -f3 <<<"$median") | $(cut -f1 <<<"$median")$range | $check |"
}

# cpu_group PREFIX COUNT [settings...]: COUNT replicas with ops ports on a fresh fleet (Redis $RP),
# ready; sets the ROW_* arrays, the leader first. With MODE set (the comparator) there is no leader.
cpu_group() {
  local prefix=$1 count=$2 i ops leader=""; shift 2
  ROW_URLS=(); ROW_PIDS=(); ROW_OPS=(); ROW_PREFIX=$prefix; ROW_REDIS=("$(redis_pid "$RP")"); ROW_LEADER=1
  declare -A url_of ops_of
  for i in $(seq "$count"); do
    ops=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1))
    replica "$prefix-$i" "$prefix" "$CPU_SERVERS" --Allocator:OpsPort="$ops" "$@" || exit 1
    PID_OF[$prefix-$i]=$REPLICA_PID; url_of[$prefix-$i]=$REPLICA_URL; ops_of[$prefix-$i]=$ops
  done
  if [ ${#MODE[@]} -gt 0 ]; then
    ROW_LEADER=0
    wait_seeded "$prefix" "$CPU_SERVERS" || { echo "no fleet for $prefix" >&2; exit 1; }
  else
    wait_leader "$prefix" && wait_seeded "$prefix" "$CPU_SERVERS" || { echo "no leader or fleet for $prefix" >&2; exit 1; }
    leader=$(rcli hget "{$prefix}:leader-info" replica)
  fi
  for name in $leader $(printf '%s\n' "${!url_of[@]}" | grep -vx "${leader:-}" | sort); do
    ready "${ops_of[$name]}" || { echo "replica $name did not become ready" >&2; exit 1; }
    ROW_URLS+=("${url_of[$name]}"); ROW_PIDS+=("${PID_OF[$name]}"); ROW_OPS+=("${ops_of[$name]}")
  done
}

if wants cpu; then
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  dotnet publish scripts/grpc-floor -c Release -nologo -v quiet -r linux-x64 --self-contained false \
    -p:PublishReadyToRun=true -p:UseAppHost=false -o "$WORK/floor" >/dev/null || exit 2
  for kind in allocate invalid health; do dotnet "$BIN" grpc-body --out "$WORK/$kind.bin" --kind "$kind" --fleet bench --counter rooms || exit 2; done
  echo "CPU per call: h2load, $CONNECTIONS connections x $STREAMS streams per replica; per row $WARMUP warm-up calls, then $REPEAT runs of $CALLS calls:"
  echo "the run with the median total is shown, with the range of totals over the runs. CPU is utime+stime from /proc"
  echo "($TICK ticks/s) per answered call; Redis has no persistence. Allocate rows: a fleet of $CPU_SERVERS servers x 10 sessions per row."
  echo
  echo "| row | calls | calls/s | replica CPU µs/call | Redis CPU µs/call | h2load CPU µs/call | total µs/call (replicas + Redis) | answers |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"

  # (a) The framework's floor: grpc-dotnet serving grpc.health.v1, nothing else.
  port=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1))
  dotnet "$WORK/floor/GrpcFloor.dll" --port "$port" >"$WORK/floor.log" 2>&1 &
  PIDS+=($!); ROW_PIDS=($!); ROW_URLS=("http://127.0.0.1:$port"); ROW_REDIS=(); ROW_OPS=(); ROW_PREFIX=""; ROW_LEADER=0
  wait_port "$port" || { echo "the grpc-dotnet floor did not start" >&2; exit 1; }
  cpu_row "bare grpc-dotnet app (scripts/grpc-floor): grpc.health.v1 Check" health
  stop_replicas TERM

  # (b-d) One replica and its Redis.
  RP=$((REDIS_PORT + 2000)); start_redis "$RP" || exit 1
  cpu_group cpu1 1
  cpu_row "this service: grpc.health.v1 Check, 1 replica" health
  cpu_row "this service: Allocate refused by validation, 1 replica" invalid
  cpu_row "this service: Allocate, 1 replica" allocate; one_replica=$ROW_RATE
  stop_replicas TERM; stop_redis "$RP"

  # (e) Three replicas, one h2load each.
  RP=$((REDIS_PORT + 2001)); start_redis "$RP" || exit 1
  cpu_group cpu3 3
  cpu_row "this service: Allocate, 3 replicas (one leader)" allocate; three_replicas=$ROW_RATE
  stop_replicas TERM; stop_redis "$RP"

  # (e1) The same with both standbys replaying the change log (WarmStandbys 2, not the default 1).
  RP=$((REDIS_PORT + 2004)); start_redis "$RP" || exit 1
  cpu_group cpu3w 3 --Allocator:WarmStandbys=2
  cpu_row "this service: Allocate, 3 replicas, WarmStandbys 2 (both standbys follow)" allocate
  stop_replicas TERM; stop_redis "$RP"

  # (e2) The Agones-style comparator: 3 baseline-replica processes (own caches, optimistic
  # commits) behind the same front, one h2load each; its answers cell adds the version conflicts.
  RP=$((REDIS_PORT + 2003)); start_redis "$RP" || exit 1
  MODE=(baseline-replica); cpu_group cpubase 3; MODE=()
  cpu_row "Agones-style comparator, 3 replicas" allocate; comparator=$ROW_RATE
  stop_replicas TERM; stop_redis "$RP"

  # (f) Three replicas with MinReplicas = 1: a replica Redis acknowledges every batch (WAIT).
  RP=$((REDIS_PORT + 2002)); start_redis "$RP" || exit 1
  start_redis $((RP + 1)) --replicaof 127.0.0.1 "$RP" || exit 1
  for _ in $(seq 200); do redis-cli -p $((RP + 1)) info replication 2>/dev/null | grep -q master_link_status:up && break; sleep 0.05; done
  cpu_group cpuwait 3 --Allocator:MinReplicas=1
  ROW_REDIS+=("$(redis_pid $((RP + 1)))")
  cpu_row "this service: Allocate, 3 replicas, MinReplicas 1 (replica Redis)" allocate
  stop_replicas TERM; stop_redis $((RP + 1)); stop_redis "$RP"; RP=$REDIS_PORT

  echo
  echo "Allocations/s at saturation: $one_replica with 1 replica, $three_replicas with 3 replicas; the Agones-style comparator $comparator with 3 replicas."
  echo "Load average before and after the section: $load_before; $(cut -d' ' -f1-3 /proc/loadavg)."
fi

# 5. Partitions on a Redis Cluster (3 primaries + 3 replicas on loopback, redis-cli --cluster
# create): 2 replicas, P partitions of one fleet each (fleet fN in partition N, a fleet of
# room for its share of the calls), h2load per (replica, fleet) with the same calls in flight in
# every row; CPU per answered call per process, and each replica's cores over the run.
if wants partitions; then
  CP=$((REDIS_PORT + 3000)); NODES=()
  for p in $(seq "$CP" $((CP + 5))); do
    mkdir -p "$WORK/node-$p"; REDIS_PORTS+=("$p"); NODES+=("127.0.0.1:$p")
    redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
      --cluster-require-full-coverage no --dir "$WORK/node-$p" --save "" --appendonly no --daemonize yes --logfile "$WORK/node-$p/log" >/dev/null
  done
  for p in $(seq "$CP" $((CP + 5))); do for _ in $(seq 100); do [ "$(redis-cli -p "$p" ping 2>/dev/null)" = PONG ] && break; sleep 0.05; done; done
  redis-cli --cluster create "${NODES[@]}" --cluster-replicas 1 --cluster-yes >"$WORK/cluster-create.log" 2>&1 || { cat "$WORK/cluster-create.log" >&2; exit 1; }
  for _ in $(seq 200); do [ "$(redis-cli -p "$CP" cluster info | tr -d '\r' | awk -F: '/^cluster_state:/ {print $2}')" = ok ] && break; sleep 0.05; done
  CLUSTER=$(IFS=,; echo "${NODES[*]}")
  crcli() { redis-cli -c -p "$CP" "$@"; }
  cluster_pids() { for p in $(seq "$CP" $((CP + 5))); do echo "$(redis_pid "$p") $(redis-cli -p "$p" role | head -1)"; done; }
  echo "Partitions on a Redis Cluster (3 primaries + 3 replicas, each a redis-server on this machine): 2 replicas; per row $WARMUP warm-up"
  echo "calls, then $REPEAT runs of $CALLS calls at saturation and $REPEAT runs at a fixed rate per partition (the run with the median total shown);"
  echo "every partition one fleet with room for its share of all of them (servers x 10 rooms)."
  echo
  SATURATED=(); RATED=()
  for parts in $PARTITIONS; do
    prefix=part$parts; fleets=(); demo=""; table=()
    each=$(( (CALLS * REPEAT + WARMUP) / parts / 10 + PARTITION_RATE * DURATION * REPEAT / 10 + 10 ))
    # One partition keeps the plain prefix ({part1}:...); several number theirs ({part2:0}:...).
    tag() { [ "$parts" = 1 ] && echo "$prefix" || echo "$prefix:$1"; }
    for i in $(seq 0 $((parts - 1))); do
      fleets+=("f$i"); demo+="${demo:+;}servers=$each,nodes=$(( each / 100 > 0 ? each / 100 : 1 )),capacity=10,counter=rooms,fleet=f$i"
      table+=(--Allocator:Partitions:Table:f$i="$i")
      dotnet "$BIN" grpc-body --out "$WORK/f$i.bin" --kind allocate --fleet "f$i" --counter rooms || exit 2
    done
    urls=(); pids=(); ops=()
    for r in 1 2; do
      port=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1))
      replica "$prefix-$r" "$prefix" 1 --Allocator:Redis="$CLUSTER" --Allocator:OpsPort="$port" --Allocator:Partitions:Count="$parts" \
        --Allocator:Inventory:DemoFleet="$demo" "${table[@]}" || exit 1
      urls+=("$REPLICA_URL"); pids+=("$REPLICA_PID"); ops+=("$port")
    done
    for port in "${ops[@]}"; do ready "$port" || { echo "replica on $port did not become ready" >&2; exit 1; }; done
    # Every partition seeded and led, no replica leading more than its share, ceil(P / 2).
    for _ in $(seq 1200); do
      seeded=0; names=()
      for i in $(seq 0 $((parts - 1))); do
        [ "$(crcli hlen "{$(tag "$i")}:gameservers")" -ge "$each" ] && seeded=$((seeded + 1))
        [ "$(crcli exists "{$(tag "$i")}:leader")" = 1 ] && names+=("$(crcli hget "{$(tag "$i")}:leader-info" replica)")
      done
      most=$(printf '%s\n' "${names[@]}" | grep -v '^$' | sort | uniq -c | sort -rn | awk 'NR == 1 {print $1 + 0}')
      [ "$seeded" = "$parts" ] && [ "${#names[@]}" = "$parts" ] && [ "${most:-0}" -le $(( (parts + 1) / 2 )) ] && break
      sleep 0.1
    done
    led=$(printf '%s\n' "${names[@]}" | sort | uniq -c | awk '{printf "%s%s: %s", (NR > 1 ? ", " : ""), $2, $1}')
    # h2load per (replica, fleet): the calls in flight stay CONNECTIONS x STREAMS per replica.
    # h2p CALLS [RATE]: CALLS in all, as fast as they go, or RATE calls/s per partition (open loop).
    h2p() {
      local calls=$1 rate=${2:-} i=0 c=$(( CONNECTIONS / parts > 0 ? CONNECTIONS / parts : 1 ))
      rm -f "$WORK"/h2-*.out
      local t0; t0=$(date +%s%N)
      ( for url in "${urls[@]}"; do for f in "${fleets[@]}"; do
          i=$((i + 1)); h2load -n $((calls / ${#urls[@]} / parts)) -c "$c" -m "$STREAMS" -d "$WORK/$f.bin" \
            ${rate:+--rps $(( rate / ${#urls[@]} / c > 0 ? rate / ${#urls[@]} / c : 1 ))} \
            -H 'content-type: application/grpc' -H 'te: trailers' "$url/allocation.AllocationService/Allocate" >"$WORK/h2-$i.out" 2>&1 &
        done; done
        wait )
      H2_SECONDS=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {print (b - a) / 1e9}')
      H2_OK=$(awk '/^status codes:/ {s += $3} END {print s + 0}' "$WORK"/h2-*.out)
      # h2load's mean time per request, weighted by each process' calls (ms).
      H2_MEAN=$(awk '/^status codes:/ {n = $3} /^time for request:/ {m = $6; u = (m ~ /ms$/ ? 1 : (m ~ /us$/ ? 0.001 : 1000)); sub(/[a-z]+$/, "", m); s += m * u * n; t += n} END {printf "%.1f", (t > 0 ? s / t : 0)}' "$WORK"/h2-*.out)
    }
    # every process of the row: the two replicas, then the cluster's nodes.
    row_ticks() { for pid in "${pids[@]}"; do ticks "$pid"; done; for node in "${nodes[@]}"; do ticks "${node%% *}"; done; }
    # partition_measure CALLS [RATE]: REPEAT runs, each charged its CPU from /proc; prints the run
    # with the median total. With a RATE, each process' idle CPU (IDLE, ticks per second) is taken
    # off, so the cells are the CPU the calls cost.
    partition_measure() {
      local runs median range rated=${2:-}
      runs=$(for run in $(seq "$REPEAT"); do
        mapfile -t t0 < <(row_ticks); h2p "$@"; mapfile -t t1 < <(row_ticks)
        rep=0; pri=0; sec=0; cores=""
        for i in "${!t0[@]}"; do
          d=$(( t1[i] - t0[i] ))
          [ -n "$rated" ] && d=$(awk -v d="$d" -v idle="${IDLE[i]}" -v s="$H2_SECONDS" 'BEGIN {d -= idle * s; printf "%d", (d > 0 ? d : 0)}')
          if [ "$i" -lt 2 ]; then rep=$((rep + d)); cores+="${cores:+ + }$(awk -v d="$(( t1[i] - t0[i] ))" -v hz="$TICK" -v s="$H2_SECONDS" 'BEGIN {printf "%.2f", d / hz / s}')"
          elif [[ "${nodes[i - 2]}" == *master ]]; then pri=$((pri + d)); else sec=$((sec + d)); fi
        done
        printf '%s\t%s\n' "$(us $((rep + pri + sec)))" \
          "$H2_OK | $(awk -v c="$H2_OK" -v s="$H2_SECONDS" 'BEGIN {printf "%.0f", c / s}') | $H2_MEAN | $(us "$rep") | $(us "$pri") | $(us "$sec") | $(us $((rep + pri + sec))) | $cores"
      done)
      median=$(sort -t$'\t' -k1,1n <<<"$runs" | sed -n "$(( (REPEAT + 1) / 2 ))p")
      range=$(cut -f1 <<<"$runs" | sort -n | sed -n '1p;$p' | paste -sd- | sed 's/-/–/')
      cells=$(cut -f2 <<<"$median")
      echo "${cells% | *} ($range) | ${cells##* | }"
    }
    h2p "$WARMUP"
    mapfile -t nodes < <(cluster_pids)
    ROW_OPS=("${ops[@]}")
    ok_answers() { statuses | awk '$1 == "OK" {s = $2} END {print s + 0}'; }
    before=$(ok_answers)
    saturated=$(partition_measure "$CALLS")
    # Idle: what every process spends per second with no calls (timers, heartbeats, the cluster bus).
    mapfile -t i0 < <(row_ticks); sleep "$DURATION"; mapfile -t i1 < <(row_ticks)
    IDLE=(); idle_cores=0
    for i in "${!i0[@]}"; do IDLE+=("$(awk -v d="$(( i1[i] - i0[i] ))" -v s="$DURATION" 'BEGIN {print d / s}')"); idle_cores=$((idle_cores + i1[i] - i0[i])); done
    idle_cores=$(awk -v d="$idle_cores" -v hz="$TICK" -v s="$DURATION" 'BEGIN {printf "%.2f", d / hz / s}')
    rated=$(partition_measure $(( PARTITION_RATE * parts * DURATION )) "$PARTITION_RATE")
    after=$(ok_answers)
    stored=0; used=0
    for i in $(seq 0 $((parts - 1))); do
      read -r s u < <(dotnet "$BIN" occupancy --redis "$CLUSTER" --prefix "$(tag "$i")" --fleet "f$i" --counter rooms | tr '=' ' ' | awk '{print $2, $4}')
      stored=$((stored + s)); used=$((used + u))
    done
    answers="OK +$((after - before)) over the runs; sessions stored $stored, servers in use $used"
    SATURATED+=("| $parts | $saturated | $led | $answers |")
    RATED+=("| $parts | $((PARTITION_RATE * parts)) | $rated | $idle_cores | $led |")
    stop_replicas TERM
  done
  echo "At saturation (h2load closed loop, the same calls in flight in every row):"
  echo
  echo "| partitions | calls | calls/s | mean ms | replica CPU µs/call | Redis primaries µs/call | Redis replicas µs/call | total µs/call | replica cores busy | leaders | answers |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"
  printf '%s\n' "${SATURATED[@]}"
  echo
  echo "At $PARTITION_RATE calls/s per partition (h2load --rps, $DURATION s per run; every leader sees the same rate, whatever P). CPU per call"
  echo "is what the calls added: each process' CPU with no calls, measured for $DURATION s before the runs, is taken off (idle cores: all processes then):"
  echo
  echo "| partitions | offered calls/s | calls | calls/s | mean ms | replica CPU µs/call | Redis primaries µs/call | Redis replicas µs/call | total µs/call | replica cores busy | idle cores | leaders |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|"
  printf '%s\n' "${RATED[@]}"
  echo
fi
