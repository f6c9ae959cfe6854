#!/usr/bin/env bash
# build_fixture.sh VERSION PROGRAM OUTDIR: build the Go test program tests/fixtures/go/PROGRAM with
# Go release VERSION (e.g. 1.21) into OUTDIR/exe, pure Go (CGO_ENABLED=0; HS_FIXTURE_CGO=1 for cgo), no toolchain switching,
# GOPATH mode. The toolchain comes from ~/.cache/go-toolchains (GO_TOOLCHAINS_DIR), unpacked by
# scripts/go-toolchains.sh when missing. Prints the exact `go env GOVERSION` on stdout.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: build_fixture.sh VERSION PROGRAM OUTDIR" >&2; exit 2; }
version=$1 program=$2 outdir=$3
repo=$(cd "$(dirname "$0")/../.." && pwd)
src=$repo/tests/fixtures/go/$program
[ -f "$src/main.go" ] || { echo "build_fixture.sh: no program $src/main.go" >&2; exit 2; }
dir=${GO_TOOLCHAINS_DIR:-$HOME/.cache/go-toolchains}
goroot=$dir/$version/usr/lib/go-$version
if [ ! -x "$goroot/bin/go" ]; then
  "$repo/scripts/go-toolchains.sh" "$version" >&2
fi
[ -x "$goroot/bin/go" ] || { echo "build_fixture.sh: Go $version not found at $goroot" >&2; exit 1; }
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
# A private GOCACHE per release keeps builds of different releases from sharing a cache dir.
export GOROOT=$goroot GOTOOLCHAIN=local GO111MODULE=off CGO_ENABLED=${HS_FIXTURE_CGO:-0} GOFLAGS=
export GOCACHE=${GOCACHE_BASE:-$HOME/.cache/heapscope-gocache}/$version
export GOPATH=${GOPATH:-$HOME/go}
# GO_LDFLAGS adds linker flags: "-w" drops DWARF, "-s -w" the symbol table too
(cd "$src" && "$goroot/bin/go" build ${GO_LDFLAGS:+-ldflags="$GO_LDFLAGS"} -o "$outdir/exe" .)
"$goroot/bin/go" env GOVERSION
