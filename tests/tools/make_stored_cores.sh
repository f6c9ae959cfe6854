#!/usr/bin/env bash
# make_stored_cores.sh [RELEASE...]: regenerate tests/cores/<goversion>/PROGRAM/{exe.gz, core.gz,
# dump.txt, info.json} for every Go release (default 1.19 1.21 ... 1.27); PROGRAM is $PROGRAM,
# default "blocked" (the other one stored is "heap", which also leaves heap.pprof, its own heap
# profile). For each: build the program, run it until READY, gcore it, compact the core and check
# it with gdb (make_core.py), then store exe and core gzipped, the program's stdout verbatim
# (dump.txt: for blocked the runtime's own goroutine dump between HEAPSCOPE-DUMP markers; the
# HEAPSCOPE-INFO line; READY) and info.json.
# For blocked also a kernel core, read on every machine whatever its core_pattern: the same
# executable run with -spin 2 and GOTRACEBACK=crash, SIGQUIT -> <goversion>/crash/{core.gz,
# crash.txt (the runtime's crash traceback of every goroutine), dump.txt, info.json}; its
# executable is ../blocked/exe. Needs a core_pattern that writes files (not a pipe).
# Finally checks every stored dump against the program's own counts (test_rtdump.py) and
# rewrites tests/cores/MANIFEST (tests/prepare_data.sh checks the stored files against it).
# Needs gdb (gcore), python3 and the toolchains (fetched by scripts/go-toolchains.sh if missing).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
releases=("$@")
[ ${#releases[@]} -gt 0 ] || releases=(1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27)
work=$(mktemp -d "${TMPDIR:-/tmp}/hs-stored-cores.XXXXXX")
trap 'rm -rf "$work"' EXIT
program=${PROGRAM:-blocked}
start=$(date +%s)
for rel in "${releases[@]}"; do
  t0=$(date +%s)
  goversion=$("$repo/tests/tools/build_fixture.sh" "$rel" "$program" "$work/$rel")
  args=()
  [ "$program" != heap ] || args=("$work/$rel/heap.pprof")
  python3 "$repo/tests/tools/make_core.py" --exe "$work/$rel/exe" --outdir "$work/$rel/cap" -- "${args[@]}" >/dev/null
  dest=$repo/tests/cores/$goversion/$program
  rm -rf "$dest"
  mkdir -p "$dest"
  gzip -9 -n -c "$work/$rel/exe" >"$dest/exe.gz"
  gzip -9 -n -c "$work/$rel/cap/core" >"$dest/core.gz"
  cp "$work/$rel/cap/dump.txt" "$dest/dump.txt"
  [ "$program" != heap ] || cp "$work/$rel/heap.pprof" "$dest/heap.pprof"
  python3 - "$work/$rel/cap/capture.json" "$dest" "$goversion" "$rel" "$program" <<'EOF'
import json, os, sys
cap_path, dest, goversion, rel, program = sys.argv[1:]
cap = json.load(open(cap_path))
info = dict(cap.pop("info"))
info.update({
    "goversion": goversion,
    "toolchain": rel,
    "program": program,
    "source": "tests/fixtures/go/%s/main.go" % program,
    "origin": cap["origin"],
    "gotraceback": cap["gotraceback"],
    "paths": {"exe": "exe", "core": "core", "dump": "dump.txt",
              "exe_at_capture": cap["exe"]},
    "threads": cap["threads"],
    "core_bytes": {"captured": cap["original_bytes"], "compacted": cap["compacted_bytes"],
                   "zero_segment_bytes_dropped": cap["zero_segment_bytes_dropped"],
                   "gzipped": os.path.getsize(os.path.join(dest, "core.gz"))},
    "gdb_check": {k: cap[k] for k in cap if k.startswith("gdb_")},
})
info.pop("exe", None)
with open(os.path.join(dest, "info.json"), "w") as f:
    json.dump(info, f, indent=1, sort_keys=True)
    f.write("\n")
EOF
  echo "$goversion: core.gz $(stat -c %s "$dest/core.gz") bytes, exe.gz $(stat -c %s "$dest/exe.gz") bytes, $(( $(date +%s) - t0 ))s"
  if [ "$program" = blocked ]; then
    python3 "$repo/tests/tools/make_core.py" --exe "$work/$rel/exe" --outdir "$work/$rel/kcap" --kernel \
      --running -- -spin 2 >/dev/null
    [ -f "$work/$rel/kcap/core" ] || { echo "make_stored_cores.sh: no kernel core (core_pattern pipes?)" >&2; exit 1; }
    kdest=$repo/tests/cores/$goversion/crash
    rm -rf "$kdest"
    mkdir -p "$kdest"
    gzip -9 -n -c "$work/$rel/kcap/core" >"$kdest/core.gz"
    cp "$work/$rel/kcap/dump.txt" "$work/$rel/kcap/crash.txt" "$kdest/"
    python3 - "$work/$rel/kcap/capture.json" "$kdest" "$goversion" <<'EOF'
import json, os, sys
cap_path, dest, goversion = sys.argv[1:]
cap = json.load(open(cap_path))
info = dict(cap.pop("info"))
info.update({"goversion": goversion, "program": "blocked", "args": ["-spin", "2"],
             "origin": cap["origin"], "gotraceback": cap["gotraceback"],
             "paths": {"exe": "../blocked/exe", "core": "core", "dump": "dump.txt", "crash": "crash.txt"},
             "threads": cap["threads"],
             "core_bytes": {"captured": cap["original_bytes"], "compacted": cap["compacted_bytes"],
                            "gzipped": os.path.getsize(os.path.join(dest, "core.gz"))}})
info.pop("exe", None)
with open(os.path.join(dest, "info.json"), "w") as f:
    json.dump(info, f, indent=1, sort_keys=True)
    f.write("\n")
EOF
    echo "$goversion: kernel crash core.gz $(stat -c %s "$kdest/core.gz") bytes"
  fi
done
[ "$program" != blocked ] || (cd "$repo/tests/integration" && python3 -m unittest -q test_rtdump)
"$repo/tests/prepare_data.sh" --manifest "$repo/tests/cores"
echo "make_stored_cores.sh: done in $(( $(date +%s) - start ))s"
