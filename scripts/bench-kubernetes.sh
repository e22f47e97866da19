#!/usr/bin/env bash
# Kubernetes mode beside stand-alone, in one run, on this machine: 3 replicas each, the same
# fleet and the same open-loop load (the service's load generator). Kubernetes is the fake API
# server of the tests (no real cluster runs here), reached over HTTP by the real client. In
# Kubernetes mode the game servers' SDK sidecars end sessions meanwhile (--sdk-rate per second,
# JSON patches with a resourceVersion test, as Agones' sdkserver writes them): the tables report
# their failed tests, the write-back's 409s and its lag.
# Prints markdown tables.
# Usage: scripts/bench-kubernetes.sh [--servers 2000] [--rate 1000] [--duration 10] [--sdk-rate 200]
set -uo pipefail
cd "$(dirname "$0")/.."
export BENCH_SERVERS=${BENCH_SERVERS:-2000} BENCH_RATE=${BENCH_RATE:-1000} BENCH_DURATION=${BENCH_DURATION:-10} BENCH_SDK_RATE=${BENCH_SDK_RATE:-200}
while [ $# -gt 0 ]; do
  case "$1" in
    --servers) BENCH_SERVERS=$2; shift 2 ;;
    --rate) BENCH_RATE=$2; shift 2 ;;
    --duration) BENCH_DURATION=$2; shift 2 ;;
    --sdk-rate) BENCH_SDK_RATE=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v redis-server >/dev/null || { echo "redis-server is required" >&2; exit 2; }
ALLOCATOR_BENCH=1 dotnet test Allocator.Tests -c Release --filter "FullyQualifiedName~KubernetesBench" \
  --logger "console;verbosity=detailed" 2>&1 | sed -n 's/^ *\(|.*|\)$/\1/p; s/^ *\([0-9]* servers x .*\)$/\1/p; s/^ *\((with SDK.*\)$/\1/p; /Failed /p; /Error Message/,+3p'
