#!/usr/bin/env bash
# Benchmarks, side by side with the design we replace, on this machine, in one run:
#  - this allocator: Redis + N replicas (one leader) driven through gRPC by the load generator,
#    closed loop (max throughput at a concurrency) and open loop (a target rate);
#  - the Agones-style comparator: N workers with their own caches, optimistic concurrency per
#    allocation, 5 retries 10 ms apart; same fleet, same closed-loop load;
#  - the cost of MinReplicas = 1 (one WAIT per batch, a replica Redis beside the primary);
#  - leader resume: lease -> first answered allocation with 1k, 10k, 100k servers.
# Prints markdown tables; raw figures go to artifacts/bench/*.json.
# Usage: scripts/bench.sh [--duration 10] [--replicas 3] [--servers 20000] [--concurrency 64]
#                         [--rate 5000] [--resume "1000 10000 100000"]
set -uo pipefail
cd "$(dirname "$0")/.."

DURATION=10; REPLICAS=3; SERVERS=20000; CONCURRENCY=64; RATE=5000; RESUME="1000 10000 100000"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --replicas) REPLICAS=$2; shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --resume) RESUME=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

BIN=Allocator.Service/bin/Release/net10.0/Allocator.Service.dll
OUT=artifacts/bench; mkdir -p "$OUT"
WORK=$(mktemp -d)
REDIS_PORT=$((21000 + RANDOM % 20000))
NEXT_PORT=$((REDIS_PORT + 1))
PIDS=()
command -v redis-server >/dev/null || { echo "redis-server is required" >&2; exit 2; }
dotnet build Allocator.Service -c Release -nologo -v quiet >/dev/null || exit 2

cleanup() {
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1
  redis-cli -p "$((REDIS_PORT + 1000))" shutdown nosave >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --dir "$WORK" >/dev/null
for _ in $(seq 100); do [ "$(rcli ping 2>/dev/null)" = "PONG" ] && break; sleep 0.05; done

# replica NAME PREFIX SERVERS [settings...] -> sets REPLICA_PID, REPLICA_URL
replica() {
  local port=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1))
  local name=$1 prefix=$2 servers=$3; shift 3
  dotnet "$BIN" --Allocator:ListenAddress=127.0.0.1 --Allocator:Port="$port" --Allocator:OpsPort=0 --Allocator:Plaintext=true \
    --Allocator:Redis="127.0.0.1:$REDIS_PORT" \
    --Allocator:KeyPrefix="$prefix" --Allocator:ReplicaId="$name" --Allocator:LeaseRetry=00:00:00.250 \
    --Allocator:Inventory:DemoFleet="servers=$servers,nodes=$(( servers / 100 > 0 ? servers / 100 : 1 )),capacity=10,counter=rooms,fleet=bench" \
    --Logging:Console:FormatterName=simple "$@" >"$WORK/$name.log" 2>&1 &
  REPLICA_PID=$!; PIDS+=("$REPLICA_PID"); REPLICA_URL="http://127.0.0.1:$port"
  for _ in $(seq 1200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0; sleep 0.05; done
  echo "replica $name did not start" >&2; return 1
}
wait_leader() { for _ in $(seq 600); do [ -n "$(rcli hget "{$1}:leader-info" replica)" ] && return 0; sleep 0.05; done; return 1; }

echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), .NET $(dotnet --version), Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2)"
echo "Fleet: $SERVERS servers x 10 sessions, $((SERVERS / 100)) nodes; $REPLICAS replicas / workers; $DURATION s per run"
echo

# 1. This allocator.
declare -A PID_OF
# fleet_rows PREFIX NAME DESIGN [settings...]: 3 replicas on their own prefix, then the closed
# (64 and 256 callers) and open-loop rows, then the replicas stop.
fleet_rows() {
  local prefix=$1 name=$2 design=$3; shift 3
  local urls=""
  for i in $(seq "$REPLICAS"); do replica "$name$i" "$prefix" "$SERVERS" "$@" || exit 1; PID_OF[$name$i]=$REPLICA_PID; urls+="$REPLICA_URL,"; done
  wait_leader "$prefix" || exit 1
  local leader_pid=${PID_OF[$(rcli hget "{$prefix}:leader-info" replica)]}
  local common=(--targets "${urls%,}" --duration "$DURATION" --fleet bench --redis "127.0.0.1:$REDIS_PORT" --prefix "$prefix"
    --bench-design "$design" --leader-pid "$leader_pid")
  dotnet "$BIN" load "${common[@]}" --concurrency "$CONCURRENCY" --json "$OUT/$prefix-closed.json"
  dotnet "$BIN" load "${common[@]}" --concurrency $((CONCURRENCY * 4)) --json "$OUT/$prefix-closed-max.json"
  dotnet "$BIN" load "${common[@]}" --rate "$RATE" --json "$OUT/$prefix-open.json"
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done; wait 2>/dev/null; PIDS=()
}

echo '| design | load | sent | ok/s | p50 ms | p90 ms | p99 ms | max ms | errors | servers in use | optimal | mean batch | leader CPU |'
echo '|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|'
fleet_rows bench r "this allocator: $REPLICAS replicas, one leader, batches"

# 1b. The same with MinReplicas = 1: a replica Redis acknowledges each batch (WAIT) before answers go out.
REPLICA_REDIS=$((REDIS_PORT + 1000))
redis-server --port "$REPLICA_REDIS" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --dir "$WORK" --replicaof 127.0.0.1 "$REDIS_PORT" >/dev/null
for _ in $(seq 200); do redis-cli -p "$REPLICA_REDIS" info replication 2>/dev/null | grep -q master_link_status:up && break; sleep 0.05; done
fleet_rows benchwait m "this allocator, MinReplicas 1 (WAIT per batch)" --Allocator:MinReplicas=1
redis-cli -p "$REPLICA_REDIS" shutdown nosave >/dev/null 2>&1

# 2. The Agones-style comparator: same fleet, same closed-loop load.
dotnet "$BIN" bench-baseline --redis "127.0.0.1:$REDIS_PORT" --prefix baseline --workers "$REPLICAS" \
  --concurrency "$CONCURRENCY" --duration "$DURATION" --fleet bench \
  --seed "servers=$SERVERS,nodes=$((SERVERS / 100)),capacity=10,counter=rooms,fleet=bench"
echo

# 3. Leader resume: a standby takes over from a killed leader; and a full load of the hash.
echo "| servers | kill -9 -> standby's first answers (lease -> first answers) | full load of the hash (a replica starting) |"
echo "|---:|---:|---:|"
for size in $RESUME; do
  prefix="resume$size"
  replica "a$size" "$prefix" "$size" || exit 1; first=$REPLICA_PID; url_a=$REPLICA_URL
  wait_leader "$prefix" || exit 1
  for _ in $(seq 1200); do [ "$(rcli hlen "{$prefix}:gameservers")" -ge "$size" ] && break; sleep 0.05; done
  replica "b$size" "$prefix" "$size" || exit 1; url_b=$REPLICA_URL
  dotnet "$BIN" load --targets "$url_b" --duration 6 --rate 100 --fleet bench --warmup 1 >/dev/null 2>&1 &
  load=$!
  sleep 3; kill -9 "$first"
  wait "$load" 2>/dev/null
  takeover=$(grep -o 'first answers committed [0-9]* ms after taking the lease' "$WORK/b$size.log" | grep -o '[0-9]*' | head -1)
  loaded=$(grep -o "Loaded $size game servers from the hash in [0-9]* ms" "$WORK/b$size.log" | head -1 | grep -o '[0-9]* ms$')
  echo "| $size | ${takeover:-?} ms | ${loaded:-?} |"
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done; wait 2>/dev/null; PIDS=()
done
