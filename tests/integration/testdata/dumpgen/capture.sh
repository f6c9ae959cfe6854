#!/usr/bin/env bash
# capture.sh [RELEASE...]: regenerate the dump samples ../go<version>-stack.txt (runtime.Stack) and
# ../go<version>-crash.txt (SIGQUIT traceback at GOTRACEBACK=crash with
# GODEBUG=tracebackancestors=2) from dumpgen/main.go, one per Go release, in parallel (~70s).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
releases=("$@")
[ ${#releases[@]} -gt 0 ] || releases=(1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
dir=${GO_TOOLCHAINS_DIR:-$HOME/.cache/go-toolchains}
one() {
  local rel=$1 goroot=$dir/$1/usr/lib/go-$1
  [ -x "$goroot/bin/go" ] || "$repo/scripts/go-toolchains.sh" "$rel" >&2
  (cd "$here" && GOROOT=$goroot GOTOOLCHAIN=local GO111MODULE=off CGO_ENABLED=0 GOFLAGS= \
     GOCACHE=$HOME/.cache/heapscope-gocache/$rel "$goroot/bin/go" build -o "$work/$rel" .)
  local v; v=$(GOROOT=$goroot "$goroot/bin/go" env GOVERSION)
  GOTRACEBACK=crash GODEBUG=tracebackancestors=2 "$work/$rel" >"$work/$rel.out" 2>"$work/$rel.err" &
  local pid=$!
  while ! grep -q '^READY$' "$work/$rel.out" 2>/dev/null; do sleep 1; done
  kill -QUIT $pid; { wait $pid; } 2>/dev/null || true  # it aborts: GOTRACEBACK=crash
  sed -e '/^READY$/d' "$work/$rel.out" >"$here/../$v-stack.txt"
  cp "$work/$rel.err" "$here/../$v-crash.txt"
}
for rel in "${releases[@]}"; do one "$rel" & done
wait
