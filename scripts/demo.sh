#!/usr/bin/env bash
# Demo on a fresh machine: local Redis, 3 replicas, a demo fleet of 150 servers x 10 sessions,
# a burst of 1,000 Allocate calls, a table of what happened; then it serves until Ctrl-C, with
# room left in the fleet for the README's own calls.
# Settings: CALLS (1000), CONCURRENCY (100), SERVERS (150), CAPACITY (10), NODES (10), REDIS_PORT (6379).
set -euo pipefail
cd "$(dirname "$0")/.."

CALLS=${CALLS:-1000}
CONCURRENCY=${CONCURRENCY:-100}
SERVERS=${SERVERS:-150}
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
  if [ -n "${BUILD:-}" ]; then kill "$BUILD" 2>/dev/null || true; fi
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

if [ $((SERVERS * CAPACITY)) -le "$CALLS" ]; then
  echo "Note: $SERVERS servers x $CAPACITY sessions is no more than the $CALLS calls: the burst fills the fleet, and later calls get RESOURCE_EXHAUSTED." >&2
fi

# 2. Build once (a minute or two the first time: a ticking line shows it is alive), run three replicas of the same binary.
mkdir -p .run
dotnet build Allocator.Service -c Release -nologo -v quiet >.run/build.log 2>&1 &
BUILD=$!
STARTED=$SECONDS
while kill -0 "$BUILD" 2>/dev/null; do
  printf '\rBuilding Allocator.Service (Release) ... %ds ' $((SECONDS - STARTED))
  sleep 1
done
if ! wait "$BUILD"; then
  printf '\rBuilding Allocator.Service (Release) failed after %ds; .run/build.log:\n' $((SECONDS - STARTED))
  cat .run/build.log >&2
  exit 1
fi
printf '\rBuilding Allocator.Service (Release) ... done in %ds\n' $((SECONDS - STARTED))
BIN=Allocator.Service/bin/Release/net10.0/Allocator.Service.dll
echo "Starting 3 replicas ..."
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
echo "3 replicas on ports ${PORTS[*]}; logs in .run/; fleet 'demo': $SERVERS servers x $CAPACITY sessions on $NODES nodes ($((SERVERS * CAPACITY)) sessions)."

# 3. A burst of sessions through all three replicas.
TARGETS=$(printf 'http://127.0.0.1:%s,' "${PORTS[@]}")
dotnet "$BIN" burst --targets "${TARGETS%,}" --calls "$CALLS" --concurrency "$CONCURRENCY" \
  --fleet demo --counter rooms --redis "127.0.0.1:$REDIS_PORT" || true

cat <<TXT

The fleet has about $((SERVERS * CAPACITY - CALLS)) sessions left for your own calls (README, "Calling it"):
  curl -s -X POST 127.0.0.1:9081/gameserverallocation -H 'content-type: application/json' \\
    -d '{"gameServerSelectors":[{"matchLabels":{"agones.dev/fleet":"demo"}}],"counters":{"rooms":{"action":"Increment","amount":"1"}}}'
  grpcurl -plaintext -d '{"gameServerSelectors":[{"matchLabels":{"agones.dev/fleet":"demo"}}]}' 127.0.0.1:8081 allocation.AllocationService/Allocate
  dotnet $BIN burst --targets ${TARGETS%,} --calls 100 --fleet demo --counter rooms --redis 127.0.0.1:$REDIS_PORT
  (grpcurl is not in Debian's packages: go install github.com/fullstorydev/grpcurl/cmd/grpcurl@latest; curl and burst need nothing.)

Look inside:
  scripts/inspect.sh -p $REDIS_PORT                                      # leader, members, queue, fleets (redis-cli only)
  curl -s 127.0.0.1:9081/metrics | grep -E '^(agones|allocator)_'        # Prometheus metrics (ops ports 9081-9083)
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
echo "Serving until Ctrl-C ..."
wait "${PIDS[@]}"
