#!/usr/bin/env bash
# The Kubernetes-mode scenarios against a real cluster (kind + Agones), for any machine that has
# one: allocations written back to GameServers exactly once, Events recorded, the leader killed
# under load without a relist, game servers ending sessions through a JSON patch with a
# resourceVersion test (as Agones' SDK does), and optionally an API server restart (kind only),
# after which a resume may meet 410 Gone and relist once. Exits non-zero on the first failed check,
# and with a clear message (exit 2) when no cluster with Agones is reachable.
#
# Usage: scripts/k8s-real.sh   (KUBECONFIG / current context; env: NS=allocator-e2e, SERVERS=6,
#        CAPACITY=4, IMAGE=<pushed image> (default: build allocator:e2e and kind-load it),
#        RESTART_APISERVER=1 (kind: restart the control-plane container), KEEP=1 (leave it installed))
set -euo pipefail
cd "$(dirname "$0")/.."
NS=${NS:-allocator-e2e}; SERVERS=${SERVERS:-6}; CAPACITY=${CAPACITY:-4}; RELEASE=alloc
FLEET=e2e; TOTAL=$((SERVERS * CAPACITY))

fail() { echo "k8s-real: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || { echo "k8s-real: '$1' is required ($2)" >&2; exit 2; }; }
need kubectl "to reach a cluster: without it no cluster is reachable from here"

if ! kubectl version --request-timeout=5s >/dev/null 2>&1; then
  echo "k8s-real: no Kubernetes cluster is reachable (context: $(kubectl config current-context 2>/dev/null || echo none))." >&2
  echo "  e.g.: kind create cluster && helm repo add agones https://agones.dev/chart/stable && helm install agones agones/agones -n agones-system --create-namespace" >&2
  exit 2
fi
kubectl get crd gameservers.agones.dev >/dev/null 2>&1 || { echo "k8s-real: the cluster has no Agones (CRD gameservers.agones.dev); install Agones first." >&2; exit 2; }
need helm "to install the chart"; need jq "to read GameServers"; need curl "to call the allocator"

context=$(kubectl config current-context)
if [ -z "${IMAGE:-}" ]; then
  need docker "to build the image"; need kind "to load the image (or set IMAGE to a pushed one)"
  [[ $context == kind-* ]] || fail "context $context is not a kind cluster: set IMAGE to an image it can pull"
  docker build -q -t allocator:e2e . >/dev/null
  kind load docker-image allocator:e2e --name "${context#kind-}"
  IMAGE=allocator:e2e
fi

cleanup() {
  [ "${KEEP:-}" = 1 ] && return
  kill "${FORWARD:-}" 2>/dev/null || true
  helm uninstall "$RELEASE" -n "$NS" >/dev/null 2>&1 || true
  kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== fleet: $SERVERS game servers x $CAPACITY rooms in $NS"
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -n "$NS" -f - >/dev/null <<YAML
apiVersion: agones.dev/v1
kind: Fleet
metadata: {name: $FLEET}
spec:
  replicas: $SERVERS
  template:
    spec:
      ports: [{name: default, containerPort: 7654}]
      counters: {rooms: {count: 0, capacity: $CAPACITY}}
      template:
        spec:
          containers: [{name: simple-game-server, image: us-docker.pkg.dev/agones-images/examples/simple-game-server:0.35}]
YAML
kubectl wait -n "$NS" --for=jsonpath='{.status.readyReplicas}'=$SERVERS fleet/$FLEET --timeout=300s >/dev/null

echo "== allocator (Kubernetes mode, plaintext for the port-forward)"
helm dependency build helm/allocator >/dev/null
helm upgrade --install "$RELEASE" helm/allocator -n "$NS" --wait --timeout 10m \
  --set image.repository="${IMAGE%:*}" --set image.tag="${IMAGE##*:}" --set image.pullPolicy=IfNotPresent \
  --set inventory.source=kubernetes --set "kubernetes.namespaces={$NS}" --set tls.enabled=false >/dev/null
service=$(kubectl get svc -n "$NS" -l app.kubernetes.io/instance=$RELEASE -o json | jq -r '[.items[] | select(.spec.ports[]?.name=="ops")][0].metadata.name')
kubectl port-forward -n "$NS" "svc/$service" 18080:ops >/dev/null 2>&1 & FORWARD=$!
until curl -sf 127.0.0.1:18080/readyz >/dev/null; do sleep 1; done

allocate() { # $1 sessions; prints the game server names
  for _ in $(seq "$1"); do
    curl -sf -X POST 127.0.0.1:18080/gameserverallocation -H 'content-type: application/json' \
      -d "{\"namespace\":\"$NS\",\"gameServerSelectors\":[{\"gameServerState\":\"ALLOCATED\",\"matchLabels\":{\"agones.dev/fleet\":\"$FLEET\"},\"counters\":{\"rooms\":{\"minAvailable\":\"1\"}}},{\"matchLabels\":{\"agones.dev/fleet\":\"$FLEET\"},\"counters\":{\"rooms\":{\"minAvailable\":\"1\"}}}],\"counters\":{\"rooms\":{\"action\":\"Increment\",\"amount\":\"1\"}}}" \
      | jq -r .gameServerName || fail "an allocation failed"
  done
}
rooms() { kubectl get gs -n "$NS" -o json | jq '[.items[].status.counters.rooms.count] | add'; }
expect_rooms() { # $1 expected total, within 60 s (the write-back is asynchronous for write-behind sessions)
  for _ in $(seq 60); do [ "$(rooms)" = "$1" ] && return; sleep 1; done
  fail "GameServers hold $(rooms) sessions, expected $1"
}
relists() { for p in $(kubectl get pods -n "$NS" -l app.kubernetes.io/instance=$RELEASE -o name); do
  kubectl exec -n "$NS" "$p" -- wget -qO- 127.0.0.1:8080/metrics 2>/dev/null | awk -v r="$1" '$0 ~ "^allocator_relists_total.*reason=\""r"\"" {s+=$NF} END {print s+0}'; done | awk '{s+=$1} END {print s+0}'; }

echo "== 1. allocations are written back once, with Events"
allocate $((TOTAL / 3)) >/dev/null
expect_rooms $((TOTAL / 3))
[ "$(kubectl get events -n "$NS" --field-selector reason=Allocated -o json | jq '.items | length')" -gt 0 ] || fail "no Allocated Event"

echo "== 2. the leader killed under load: no failed call, no relist by its successor"
leader=$(kubectl get pods -n "$NS" -o json | jq -r '.items[] | select(.metadata.annotations["controller.kubernetes.io/pod-deletion-cost"]) | .metadata.name' | head -1)
[ -n "$leader" ] || fail "no pod carries the leader's pod-deletion-cost"
initial=$(relists initial)
allocate $((TOTAL / 3)) >/dev/null & load=$!
kubectl delete pod -n "$NS" "$leader" --grace-period=0 --force >/dev/null 2>&1
wait $load || fail "calls failed across the leader's loss"
expect_rooms $((2 * TOTAL / 3))
[ "$(relists initial)" -le "$initial" ] || fail "the new leader relisted"

echo "== 3. a game server ends a session through a JSON patch with a resourceVersion test (Agones' SDK)"
gs=$(kubectl get gs -n "$NS" -o json | jq -r '[.items[] | select(.status.counters.rooms.count > 0)][0].metadata.name')
version=$(kubectl get gs -n "$NS" "$gs" -o jsonpath='{.metadata.resourceVersion}')
count=$(kubectl get gs -n "$NS" "$gs" -o jsonpath='{.status.counters.rooms.count}')
kubectl patch gs -n "$NS" "$gs" --type=json -p "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"$version\"},{\"op\":\"replace\",\"path\":\"/status/counters/rooms/count\",\"value\":$((count - 1))}]" >/dev/null
allocate $((TOTAL / 3 + 1)) >/dev/null
expect_rooms $TOTAL

if [ "${RESTART_APISERVER:-}" = 1 ] && [[ $context == kind-* ]]; then
  echo "== 4. API server restarted: watches resume (a 410 means one relist, counted as expired)"
  docker restart "${context#kind-}-control-plane" >/dev/null
  until kubectl version --request-timeout=5s >/dev/null 2>&1; do sleep 2; done
  echo "   relists after the restart: expired=$(relists expired)"
fi
echo "k8s-real: all checks passed"
