#!/usr/bin/env bash
# test.sh - the whole test suite on a fresh Debian/Ubuntu machine: installs what is needed
# (scripts/setup.sh --all-go: packages and every Go release the tests cover), then builds and
# runs every test twice — a normal build in build/ and an AddressSanitizer + UBSan build in
# build-asan/ — and finally runs each fuzz target for a short bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --all-go
jobs=$(nproc 2>/dev/null || echo 2)

run_suite() { # DIR CMAKE-ARGS...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs"
}

echo "== normal build"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DHEAPSCOPE_SANITIZE=ON
if [ -x scripts/fuzz.sh ]; then
  echo "== fuzzing (short)"
  scripts/fuzz.sh --short
fi
echo "== all tests passed"
