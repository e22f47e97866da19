#!/usr/bin/env bash
# Decision cost of the pure allocation engine at 1k, 10k and 100k game servers (50 fleets),
# Packed and Distributed, with and without priorities. Prints a markdown table.
# Usage: scripts/bench-engine.sh [--sizes 1000,10000,100000] [--ops 20000] [--fleets 50]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build Allocator.Service -c Release -nologo -v quiet >/dev/null
exec dotnet Allocator.Service/bin/Release/net10.0/Allocator.Service.dll bench-engine "$@"
