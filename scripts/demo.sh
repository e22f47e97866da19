#!/usr/bin/env bash
# Demo on a fresh machine: local Redis, 3 replicas, a demo fleet of 100 servers x 10 sessions,
# a burst of 1,000 Allocate calls, a table of what happened; serves until Ctrl-C.
# Settings: CALLS (1000), CONCURRENCY (100), SERVERS (100), CAPACITY (10), NODES (10), REDIS_PORT (6379).
set -euo pipefail
cd "$(dirname "$0")/.."

CALLS=${CALLS:-1000}
CONCURRENCY=${CONCURRENCY:-100}
SERVERS=${SERVERS:-100}
CAPACITY=${CAPACITY:-10}
NODES=${NODES:-10}
REDIS_PORT=${REDIS_PORT:-6379}
PORTS=(8081 8082 8083)
PIDS=()
STARTED_REDIS=""

cleanup() {
  trap - EXIT INT TERM
  echo
  echo "Stopping replicas ..."
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${PIDS[@]}" 2>/dev/null || true
  if [ -n "$STARTED_REDIS" ]; then redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT INT TERM

# 1. Redis: use a running one, else start one (installing it when root).
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing redis-server ..."
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "Redis is not installed. Install it (sudo apt-get install redis-server) or start one on port $REDIS_PORT, then rerun." >&2
    exit 1
  fi
fi
if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "Starting redis-server on 127.0.0.1:$REDIS_PORT ..."
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes >/dev/null
  STARTED_REDIS=1
  for _ in $(seq 100); do [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ] && break; sleep 0.1; done
fi
# The demo owns the {alloc} keys of this Redis: start from an empty fleet.
redis-cli -p "$REDIS_PORT" --scan --pattern '{alloc}:*' | xargs -r redis-cli -p "$REDIS_PORT" del >/dev/null

# 2. Build once, run three replicas of the same binary.
echo "Building ..."
dotnet build Allocator.Service -c Release -nologo -v quiet >/dev/null
BIN=Allocator.Service/bin/Release/net10.0/Allocator.Service.dll
mkdir -p .run
for i in 0 1 2; do
  dotnet "$BIN" --Allocator:ListenAddress=127.0.0.1 --Allocator:Plaintext=true \
    --Allocator:Port="${PORTS[$i]}" --Allocator:OpsPort="$((PORTS[i] + 1000))" \
    --Allocator:Redis="127.0.0.1:$REDIS_PORT" --Allocator:ReplicaId="replica-$((i + 1))" \
    --Allocator:Inventory:DemoFleet="servers=$SERVERS,nodes=$NODES,capacity=$CAPACITY,counter=rooms,fleet=demo" \
    >".run/replica-$((i + 1)).log" 2>&1 &
  PIDS+=($!)
done
for port in "${PORTS[@]}"; do
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done
for _ in $(seq 100); do [ "$(redis-cli -p "$REDIS_PORT" hlen '{alloc}:gameservers')" -ge "$SERVERS" ] && break; sleep 0.1; done
echo "3 replicas on ports ${PORTS[*]}; logs in .run/; fleet 'demo': $SERVERS servers x $CAPACITY sessions on $NODES nodes."

# 3. A burst of sessions through all three replicas.
TARGETS=$(printf 'http://127.0.0.1:%s,' "${PORTS[@]}")
dotnet "$BIN" burst --targets "${TARGETS%,}" --calls "$CALLS" --concurrency "$CONCURRENCY" \
  --fleet demo --counter rooms --redis "127.0.0.1:$REDIS_PORT" || true

cat <<TXT

Look inside:
  scripts/inspect.sh -p $REDIS_PORT                                      # leader, members, queue, fleets (redis-cli only)
  curl -s 127.0.0.1:9081/metrics | grep ^allocator_                       # Prometheus metrics (ops ports 9081-9083)
  curl -s -X POST 127.0.0.1:9081/gameserverallocation -d '{"gameServerSelectors":[{"matchLabels":{"agones.dev/fleet":"demo"}}]}'
  redis-cli -p $REDIS_PORT MONITOR | head -50                            # every command (costly: never on a busy production Redis)
  redis-cli -p $REDIS_PORT XRANGE '{alloc}:requests' - + COUNT 3        # queued requests (proto-JSON)
  redis-cli -p $REDIS_PORT XINFO GROUPS '{alloc}:requests'              # consumer group, pending, lag
  redis-cli -p $REDIS_PORT XPENDING '{alloc}:requests' processors       # what a leader has not acknowledged
  redis-cli -p $REDIS_PORT HGET '{alloc}:gameservers' default/demo-00000 # one game server
  redis-cli -p $REDIS_PORT HGETALL '{alloc}:leader-info'                # leader replica, epoch, since
  redis-cli -p $REDIS_PORT GET '{alloc}:epoch'

One entry of the request stream:
TXT
redis-cli -p "$REDIS_PORT" XRANGE '{alloc}:requests' - + COUNT 1
echo
echo "Serving until Ctrl-C (burst again: dotnet $BIN burst --targets ${TARGETS%,} --calls 100) ..."
wait "${PIDS[@]}"
