#!/usr/bin/env bash
# make_pcln_fixtures.sh [TOOLCHAINS]: rebuilds the pclntab test fixtures, one set per Go toolchain
# found under TOOLCHAINS (default ~/.cache/go-toolchains, laid out as <v>/usr/lib/go-<v>/bin/go):
#   tests/cores/<goversion>/pcln/exe.gz       the fixture program (tests/tools/pclnoracle/fixture)
#   tests/cores/<goversion>/pcln/runtime.txt  what that program's own runtime reports (frames)
#   tests/cores/<goversion>/pcln/oracle.txt   what debug/gosym, debug/buildinfo, debug/elf and
#                                             binutils' readelf report about the executable
# The oracle is built with the `go` on PATH (standard library only). Needs readelf and gzip.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
toolchains=${1:-$HOME/.cache/go-toolchains}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOOS=linux GOARCH=amd64
GO111MODULE=off go build -o "$work/pclnoracle" "$here/pclnoracle/main.go"

found=0
for gobin in "$toolchains"/*/usr/lib/go-*/bin/go; do
  [ -x "$gobin" ] || continue
  ver=$("$gobin" env GOVERSION)
  mod="$work/mod-$ver"
  mkdir -p "$mod"
  cp "$here/pclnoracle/fixture/main.go" "$mod/"
  printf 'module heapscope.test/pclnfixture\n\ngo 1.19\n' > "$mod/go.mod"
  (cd "$mod" && "$gobin" build -buildvcs=false -trimpath -o "$work/exe" .)
  out="$repo/tests/cores/$ver/pcln"
  mkdir -p "$out"
  "$work/exe" > "$out/runtime.txt"
  readelf --debug-dump=frames-interp "$work/exe" > "$work/frames.txt" 2>/dev/null
  "$work/pclnoracle" "$work/exe" "$work/frames.txt" > "$out/oracle.txt"
  gzip -9 -n -c "$work/exe" > "$out/exe.gz"
  echo "$ver: $(stat -c %s "$out/exe.gz") bytes gzipped, $(wc -l < "$out/oracle.txt") oracle lines"
  found=1
done
[ "$found" = 1 ] || { echo "no Go toolchains under $toolchains" >&2; exit 1; }
"$repo/tests/prepare_data.sh" --manifest "$repo/tests/cores"
