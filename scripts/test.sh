#!/usr/bin/env bash
# test.sh - the whole test suite on a fresh Debian/Ubuntu machine: installs what is needed
# (scripts/setup.sh --all-go: packages, every Go release the tests cover, the pinned tools), then
# builds and runs every test twice -- a normal build in build/ and an AddressSanitizer + UBSan
# build in build-asan/ --, builds for linux/arm64 and runs the unit tests that need no live
# process under qemu-user (scripts/cross-arm64.sh, build-arm64/), runs each fuzz target for a
# short bounded time, and ends with the census of the builds: checks run (tests and subtests apart), skipped with each reason and its
# count, failed. Skips are strict here (HS_STRICT_SKIPS=1): a skip whose reason is not listed in
# tests/skip_reasons.txt fails the run. Exits 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --all-go || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
export HS_STRICT_SKIPS=1
status=0
started=$(date +%s)

run_suite() { # DIR CMAKE-ARGS...
  local dir=$1 t0
  shift
  t0=$(date +%s)
  if ! { cmake -S . -B "$dir" -G Ninja "$@" >/dev/null && cmake --build "$dir" -j "$jobs"; }; then
    echo "== $dir: the build failed"
    status=1
    return
  fi
  rm -rf "$dir/census" "$dir/ctest-junit.xml"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --output-junit "$PWD/$dir/ctest-junit.xml" || status=1
  echo "== $dir: $(( $(date +%s) - t0 )) s"
}

echo "== normal build"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DHEAPSCOPE_SANITIZE=ON
echo "== linux/arm64 cross build, its unit tests under qemu-user"
t0=$(date +%s)
scripts/cross-arm64.sh build-arm64 || status=1
echo "== build-arm64: $(( $(date +%s) - t0 )) s"
if [ -x scripts/fuzz.sh ]; then
  echo "== fuzzing (short)"
  if scripts/fuzz.sh --short; then echo "== fuzzing: no crash"; else echo "== fuzzing: FAILED"; status=1; fi
fi
python3 tests/tools/census.py report --strict normal=build asan=build-asan arm64=build-arm64 || status=1
echo "== $(( ($(date +%s) - started + 30) / 60 )) min in all"
if [ $status = 0 ]; then echo "== all tests passed"; else echo "== FAILED (see above)"; fi
exit $status
