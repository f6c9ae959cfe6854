#!/usr/bin/env bash
# test-tools.sh: the tools the test suite drives besides the system's gdb and lldb, each pinned:
#   Delve (dlv), built from the Go module proxy into ~/.cache/heapscope-tools/delve-VERSION and
#   linked as ~/.cache/heapscope-tools/bin/dlv (HEAPSCOPE_TOOLS_DIR to choose the place);
#   Debian's gdb-minimal (a gdb without Python), whose package conflicts with gdb, so it is
#   downloaded (apt-get download) and unpacked into a build tree instead of installed.
#
#   test-tools.sh install               install Delve, download gdb-minimal and etcd (setup.sh --all-go)
#   test-tools.sh gdb-minimal DEST      unpack gdb-minimal into DEST (downloading it if needed) and
#                                       check it runs without Python; prints DEST/usr/bin/gdb
#   test-tools.sh etcd                  unpack Debian's etcd-server (a stripped go1.19 binary, for
#                                       the tests of binaries without symbols); prints its etcd
set -euo pipefail
DELVE_VERSION=v1.27.2   # needs Go >= 1.25 to build
tools=${HEAPSCOPE_TOOLS_DIR:-$HOME/.cache/heapscope-tools}
here=$(cd "$(dirname "$0")" && pwd)

# A go binary of release >= 1.25: from PATH, /usr/local/go, or the 1.26 of go-toolchains.sh.
go_for_delve() {
  local g v
  for g in "$(command -v go || true)" /usr/local/go/bin/go \
           "${GO_TOOLCHAINS_DIR:-$HOME/.cache/go-toolchains}/1.26/usr/lib/go-1.26/bin/go"; do
    [ -n "$g" ] && [ -x "$g" ] || continue
    v=$(GOTOOLCHAIN=local "$g" env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$g"; return; fi
  done
  "$here/go-toolchains.sh" 1.26 >/dev/null
  echo "${GO_TOOLCHAINS_DIR:-$HOME/.cache/go-toolchains}/1.26/usr/lib/go-1.26/bin/go"
}

install_delve() {
  local dir=$tools/delve-$DELVE_VERSION
  if [ ! -x "$dir/dlv" ]; then
    local go
    go=$(go_for_delve)
    echo "test-tools: building Delve $DELVE_VERSION with $("$go" env GOVERSION)" >&2
    mkdir -p "$dir"
    GOTOOLCHAIN=local GOFLAGS= GOBIN="$dir" "$go" install "github.com/go-delve/delve/cmd/dlv@$DELVE_VERSION" >&2
  fi
  "$dir/dlv" version | grep -q "Version: ${DELVE_VERSION#v}$" ||
    { echo "test-tools: $dir/dlv is not Delve $DELVE_VERSION" >&2; exit 1; }
  mkdir -p "$tools/bin"
  ln -sfn "$dir/dlv" "$tools/bin/dlv"
}

gdb_minimal_deb() {
  mkdir -p "$tools/debs"
  local deb
  deb=$(ls "$tools"/debs/gdb-minimal_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    (cd "$tools/debs" && apt-get download -qq gdb-minimal 2>/dev/null) ||
      { echo "test-tools: apt-get download gdb-minimal failed (apt-get update first?)" >&2; exit 1; }
    deb=$(ls "$tools"/debs/gdb-minimal_*.deb | head -1)
  fi
  echo "$deb"
}

unpack_gdb_minimal() { # DEST
  local dest=$1 deb
  deb=$(gdb_minimal_deb)
  if [ ! -x "$dest/usr/bin/gdb" ] || [ "$deb" -nt "$dest/usr/bin/gdb" ]; then
    rm -rf "$dest"
    mkdir -p "$dest"
    dpkg-deb -x "$deb" "$dest"
  fi
  "$dest/usr/bin/gdb" -nx -batch -ex "echo ok\n" | grep -qx ok ||
    { echo "test-tools: $dest/usr/bin/gdb does not run" >&2; exit 1; }
  if "$dest/usr/bin/gdb" -nx -batch -ex "python print(6*7)" 2>/dev/null | grep -qx 42; then
    echo "test-tools: $dest/usr/bin/gdb has Python: not gdb-minimal" >&2; exit 1
  fi
  echo "$dest/usr/bin/gdb"
}

# Debian's etcd-server package (a released, stripped Go binary) unpacked into $tools/etcd;
# prints the etcd executable.
unpack_etcd() {
  local dest=$tools/etcd deb
  mkdir -p "$tools/debs"
  deb=$(ls "$tools"/debs/etcd-server_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    (cd "$tools/debs" && apt-get download -qq etcd-server 2>/dev/null) ||
      { echo "test-tools: apt-get download etcd-server failed (apt-get update first?)" >&2; exit 1; }
    deb=$(ls "$tools"/debs/etcd-server_*.deb | head -1)
  fi
  if [ ! -x "$dest/usr/bin/etcd" ] || [ "$deb" -nt "$dest/usr/bin/etcd" ]; then
    rm -rf "$dest"
    mkdir -p "$dest"
    dpkg-deb -x "$deb" "$dest"
  fi
  echo "$dest/usr/bin/etcd"
}

case "${1:-}" in
  install) install_delve; gdb_minimal_deb >/dev/null; unpack_etcd >/dev/null ;;
  etcd) unpack_etcd ;;
  gdb-minimal) [ $# -eq 2 ] || { echo "usage: test-tools.sh gdb-minimal DEST" >&2; exit 2; }
               unpack_gdb_minimal "$2" ;;
  *) sed -n '2,14p' "$0" >&2; exit 2 ;;
esac
