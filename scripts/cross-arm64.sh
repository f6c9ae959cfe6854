#!/usr/bin/env bash
# cross-arm64.sh [DIR] - builds heapscope for linux/arm64 with Debian's cross compiler
# (cmake/aarch64-linux-gnu.cmake) into DIR (default build-arm64), installing the cross toolchain
# and the :arm64 libraries when missing, and runs under qemu-user the unit tests that need no
# live process: the arm64 build reading the stored cores (amd64 ones: the reverse of reading
# arm64 cores here). Tests of live processes (ptrace, gcore) cannot run under qemu-user, which
# emulates no ptrace: they are left out here and need an arm64 machine (README: arm64).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-arm64}
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
pkgs=(crossbuild-essential-arm64 qemu-user-static libelf-dev:arm64 libdwarf-dev:arm64
      libcapstone-dev:arm64 libcjson-dev:arm64 zlib1g-dev:arm64 libcmocka-dev:arm64 libdw-dev:arm64
      libiberty-dev:arm64)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "cross-arm64: installing ${missing[*]}" >&2
  dpkg --print-foreign-architectures | grep -qx arm64 || $sudo dpkg --add-architecture arm64
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake >/dev/null
cmake --build "$dir" -j "$(nproc 2>/dev/null || echo 2)"
rm -rf "$dir/census"
ctest --test-dir "$dir" --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" \
      -R 'prepare-test-data|unit/' -E 'unit/test_(pid_|host_target|go_heap_live|core_target)'
