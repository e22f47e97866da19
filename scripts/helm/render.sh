#!/usr/bin/env bash
# Renders a chart like `helm template` where Helm is not installed: builds scripts/helm/*.go
# (Go text/template + sprig, the engine Helm uses) once into a cache directory, then runs it.
# Usage: scripts/helm/render.sh [NAME] CHART [-n NS] [-f values.yaml]... [--set k=v]... [--notes]
#        scripts/helm/render.sh --build     (only build; prints the binary's path)
# Needs the Debian packages golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev
# (scripts/test.sh installs them when root). Exit code 3: the toolchain is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gopath=/usr/share/gocode
cache="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/allocator-helm-render"
bin="$cache/render"

missing=()
command -v go >/dev/null 2>&1 || missing+=(golang-go)
[ -d "$gopath/src/github.com/Masterminds/sprig" ] || missing+=(golang-github-masterminds-sprig-dev)
[ -d "$gopath/src/sigs.k8s.io/yaml" ] || missing+=(golang-k8s-sigs-yaml-dev)

stale=0
if [ ! -x "$bin" ]; then stale=1
else
  for f in "$here"/*.go; do [ "$f" -nt "$bin" ] && stale=1; done
fi

if [ "$stale" = 1 ]; then
  if [ ${#missing[@]} -gt 0 ]; then
    echo "scripts/helm/render.sh: the Go toolchain for the chart renderer is missing (${missing[*]})." >&2
    echo "Install it as root: apt-get update && apt-get install -y ${missing[*]}  (scripts/test.sh does this when run as root)." >&2
    exit 3
  fi
  mkdir -p "$cache"
  tmp="$(mktemp "$cache/render.XXXXXX")"
  # GOPATH mode against Debian's packaged sources: no module download.
  (cd "$here" && GO111MODULE=off GOPATH="$gopath" GOFLAGS= GOCACHE="${GOCACHE:-$cache/go-build}" \
    go build -o "$tmp" main.go engine.go setvalues.go)
  mv -f "$tmp" "$bin"  # atomic: parallel callers never run a half-written binary
fi

if [ "${1:-}" = "--build" ]; then echo "$bin"; exit 0; fi
exec "$bin" "$@"
