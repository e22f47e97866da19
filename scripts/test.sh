#!/usr/bin/env bash
# Builds and runs every test against a real Redis. Installs redis-server if it is missing
# (apt-get, when root). Prints "N passed, N failed" and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing redis-server ..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    # The package starts a system server; tests run their own on a free port.
  else
    echo "redis-server is not installed and this is not root: install it (apt-get install redis-server) and retry." >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

# The Helm chart tests render helm/allocator with scripts/helm/render.sh (Go text/template +
# sprig, Helm's engine), built from Debian's Go packages. Not root: those tests fail and say why.
if ! command -v go >/dev/null 2>&1 || [ ! -d /usr/share/gocode/src/github.com/Masterminds/sprig ] || [ ! -d /usr/share/gocode/src/sigs.k8s.io/yaml ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Go and sprig for the chart renderer ..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev >/dev/null
  fi
fi

dotnet build Allocator.sln -c Release -nologo -v quiet 2>&1 | grep -E "error|Warn|Elapsed" || true
log=$(mktemp)
set +e
dotnet test Allocator.sln -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# Sum the per-assembly summary lines ("Failed:     0, Passed:    50, ...").
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # the run itself broke

# The short chaos run (kill -9, rolling update, SIGSTOP, a Redis failover; real processes): one test per scenario.
if [ "${SKIP_CHAOS:-0}" != "1" ]; then
  bash scripts/chaos.sh --short 2>&1 | tee "$log"
  chaos_status=${PIPESTATUS[0]}
  chaos=$(grep -E '^chaos: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  chaos_passed=$(echo "$chaos" | awk '{print $2}')
  chaos_failed=$(echo "$chaos" | awk '{print $4}')
  passed=$((passed + ${chaos_passed:-0}))
  failed=$((failed + ${chaos_failed:-1}))
  if [ "$chaos_status" -ne 0 ] && [ "${chaos_failed:-0}" -eq 0 ]; then failed=$((failed + 1)); fi
  [ "$chaos_status" -eq 0 ] || status=1
fi
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
