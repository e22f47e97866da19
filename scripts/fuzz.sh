#!/usr/bin/env bash
# Longer fuzz run of the public surface (tests/Security/HostileInputTests): CASES allocation
# cases (and half as many inventory cases) per seed, for SEEDS consecutive seeds.
# Usage: scripts/fuzz.sh [CASES=1000000] [SEEDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-1000000}
SEEDS=${2:-3}
dotnet build Allocator.Tests -c Release -nologo -v quiet >/dev/null
for seed in $(seq 1 "$SEEDS"); do
  FUZZ_CASES=$CASES FUZZ_SEED=$((20261122 + seed * 1000)) dotnet test Allocator.Tests -c Release --no-build -nologo \
    --filter "FullyQualifiedName~HostileInputTests.Hostile" --logger "console;verbosity=detailed" 2>&1 | grep -E -A4 "fuzz:|Failed |Passed!|Error Message" || true
done
