#!/usr/bin/env bash
# fuzz.sh - builds the libFuzzer targets (fuzz/fuzz_*.c; clang with AddressSanitizer, UBSan and
# coverage over the whole core library) in build-fuzz/ and runs each in turn, one process at a
# time, seeded from fuzz/corpus/<target>/. New inputs collect in build-fuzz/corpus/<target>/,
# crash reproducers in build-fuzz/crashes/<target>/. Exits 1 when any target found a crash.
#
#   scripts/fuzz.sh                      long run: 30 minutes per target
#   scripts/fuzz.sh --short              CI run: 30 seconds per target
#   scripts/fuzz.sh --time 600 pclntab   600 seconds of one target (names: ls fuzz/fuzz_*.c)
#   scripts/fuzz.sh --build-only
# Reproduce a crash: build-fuzz/fuzz/fuzz_<target> build-fuzz/crashes/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=1800
build_only=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --short) seconds=30 ;;
    --time) seconds=$2; shift ;;
    --build-only) build_only=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
command -v clang >/dev/null || { echo "fuzz.sh: clang is needed (scripts/setup.sh installs it)" >&2; exit 1; }

out=${HS_FUZZ_BUILD:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHEAPSCOPE_FUZZ=ON -DHEAPSCOPE_SANITIZE=ON -DHEAPSCOPE_LLDB=OFF >/dev/null
cmake --build "$out" --target fuzzers -j "$(nproc 2>/dev/null || echo 2)"
tests/prepare_data.sh tests/cores "$out/test-data"
[ "$build_only" = 1 ] && exit 0

if [ ${#targets[@]} -eq 0 ]; then
  for f in "$out"/fuzz/fuzz_*; do
    [ -x "$f" ] && targets+=("$(basename "$f" | sed 's/^fuzz_//')")
  done
fi

max_len() { # the largest input worth trying per target
  case "$1" in
    core_reader|dwarf) echo 262144 ;;
    buildinfo|pclntab) echo 65536 ;;
    *) echo 4096 ;;
  esac
}

extra_flags() { # per-target libFuzzer flags
  case "$1" in
    # libdwarf keeps some allocations of every query until the file is closed, so each input
    # looks unbalanced and libFuzzer would run a full leak scan after it (4x slower); leaks
    # are still reported when the process exits
    heap|mark) echo "-detect_leaks=0" ;;
  esac
}

failed=()
for t in "${targets[@]}"; do
  bin=$out/fuzz/fuzz_$t
  [ -x "$bin" ] || { echo "fuzz.sh: no target $t ($bin)" >&2; exit 2; }
  mkdir -p "$out/corpus/$t" "$out/crashes/$t"
  seeds=()
  [ -d "fuzz/corpus/$t" ] && seeds=("fuzz/corpus/$t")
  echo "== fuzz_$t: ${seconds}s"
  if HS_TEST_DATA=$out/test-data "$bin" "$out/corpus/$t" "${seeds[@]}" \
       -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len="$(max_len "$t")" \
       -print_final_stats=1 -artifact_prefix="$out/crashes/$t/" $(extra_flags "$t") \
       >"$out/fuzz_$t.log" 2>&1; then
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)" "$out/fuzz_$t.log" || true
  else
    echo "fuzz_$t FAILED: reproducer in $out/crashes/$t/, log $out/fuzz_$t.log" >&2
    grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error)" "$out/fuzz_$t.log" | head -5 >&2 || true
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: no crashes (${#targets[@]} targets, ${seconds}s each)"
