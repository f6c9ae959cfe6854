#!/usr/bin/env bash
# setup.sh - installs what heapscope needs on a fresh Debian/Ubuntu machine (build tools, libelf,
# libdwarf, cJSON, uthash, libiberty (C++ demangling), cmocka, gdb, lldb, clang for fuzzing, jemalloc
# (another allocator heap-top must refuse), valgrind (the leak oracle); qemu-user-static,
# gdb-multiarch and binutils-aarch64-linux-gnu (its strip) for the arm64 cores and the other
# architectures' bad-input cases; g++-aarch64-linux-gnu and libc6-dev-arm64-cross for the arm64
# build of the glibc heap fixture) and a Go toolchain for the demo.
# With --all-go (what scripts/test.sh runs) it also unpacks every Go release the tests cover
# (1.19, 1.21-1.27) into ~/.cache/go-toolchains, and installs the pinned tools the tests drive
# (scripts/test-tools.sh: Delve from the Go module proxy, Debian's gdb-minimal package).
# Safe to run again: it only installs what is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

pkgs=(build-essential cmake ninja-build pkg-config libelf-dev libdw-dev libc6-dbg libdwarf-dev zlib1g-dev libcapstone-dev
      libcjson-dev uthash-dev libiberty-dev libjemalloc2 valgrind libcmocka-dev gdb gdbserver lldb liblldb-dev python3 clang
      qemu-user-static gdb-multiarch binutils-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross
      ca-certificates)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

# a Go toolchain for building the demo and the live test programs
if [ "${1:-}" = "--all-go" ]; then
  "$here/go-toolchains.sh" >&2
  "$here/test-tools.sh" install >&2
elif ! command -v go >/dev/null 2>&1 && [ ! -x "$HOME/.cache/go-toolchains/1.26/usr/lib/go-1.26/bin/go" ]; then
  "$here/go-toolchains.sh" 1.26 >&2 || $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >&2
fi
