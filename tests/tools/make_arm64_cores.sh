#!/usr/bin/env bash
# [FOREIGN=0] make_arm64_cores.sh [RELEASE...]: regenerate tests/cores/arm64/<goversion>/PROGRAM/{exe.gz,
# core.gz, crash.txt, dump.txt, info.json, and heap.pprof for heap} for the test programs blocked
# (with -spin 2: two goroutines that never park) and heap, cross-built with GOARCH=arm64 by each
# Go release (default every tested one: 1.19, 1.21-1.27) and run on this machine
# under qemu-user (qemu-aarch64-static). Once the program printed READY, SIGQUIT with
# GOTRACEBACK=crash makes qemu write an AArch64 ELF core of the guest (make_core.py --qemu,
# checked with gdb-multiarch); crash.txt is the runtime's own traceback of every goroutine at
# that moment, dump.txt what the program printed (blocked: its goroutine dump; heap: MemStats).
# The arm64 tree sits apart from tests/cores/go*/ so the amd64 tests' globs never meet it.
# Also the bad-input cases, tests/cores/foreign/<goarch>/{exe.gz, core.gz where qemu writes one,
# info.json}: the tiny program built with the newest given release for riscv64, ppc64le, s390x
# and 386, architectures heapscope does not read.
#
# What qemu-user allows, and what not (qemu 7.2, gdb 13 here):
# - a crash core: yes, with every guest thread (NT_PRSTATUS), NT_PRPSINFO and NT_AUXV, no
#   NT_FILE; qemu leaves the executable's text out (read from the executable) and also dumps
#   its own host core, which is dropped.
# - gdb's gcore over qemu's gdbstub (qemu-aarch64-static -g PORT, gdb-multiarch target remote,
#   SIGINT to qemu once READY, gcore): every thread is there, but gdb cannot read the guest's
#   /proc/PID/maps through the stub ("unable to open /proc file '/proc/1/maps'"), so the core
#   holds only the executable's sections and a few hundred bytes of one stack: no heap arena,
#   no goroutine stack. Such cores cannot be analysed by anything; none is stored.
# - other architectures: qemu-ppc64le and qemu-s390x write cores; qemu-riscv64 7.2 writes none
#   and Go's runtime dies at start under qemu-i386 ("bad g in signal handler", "lock count"):
#   for those two only the executable is stored.
# - a live arm64 process by pid: no. ptrace here sees the x86-64 qemu process, not the guest.
# Needs qemu-user-static and gdb-multiarch (scripts/setup.sh) and the toolchains.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
arches=(riscv64:riscv64 ppc64le:ppc64le s390x:s390x 386:i386)
releases=("$@")
[ ${#releases[@]} -gt 0 ] || releases=(1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27)
qemu=qemu-aarch64-static
command -v "$qemu" >/dev/null && command -v gdb-multiarch >/dev/null ||
  { echo "make_arm64_cores.sh: needs $qemu and gdb-multiarch (scripts/setup.sh)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/hs-arm64-cores.XXXXXX")
trap 'rm -rf "$work"' EXIT
for rel in "${releases[@]}"; do
  for program in blocked heap; do
    out=$work/$rel/$program
    goversion=$(GOARCH=arm64 "$repo/tests/tools/build_fixture.sh" "$rel" "$program" "$out")
    if [ "$program" = heap ]; then opts=() args=("$out/heap.pprof"); else opts=(--running) args=(-spin 2); fi
    python3 "$repo/tests/tools/make_core.py" --exe "$out/exe" --outdir "$out/cap" --qemu "$qemu" \
      "${opts[@]}" -- "${args[@]}" >/dev/null
    dest=$repo/tests/cores/arm64/$goversion/$program
    rm -rf "$dest"
    mkdir -p "$dest"
    gzip -9 -n -c "$out/exe" >"$dest/exe.gz"
    gzip -9 -n -c "$out/cap/core" >"$dest/core.gz"
    cp "$out/cap/dump.txt" "$out/cap/crash.txt" "$dest/"
    [ "$program" != heap ] || cp "$out/heap.pprof" "$dest/"
    python3 - "$out/cap/capture.json" "$dest" "$goversion" "$rel" "$program" "$($qemu --version | head -1)" \
      "$repo/tests/tools" "${args[@]}" <<'EOF'
import json, os, re, sys
capture, dest, goversion, rel, program, qemu = sys.argv[1:7]
sys.path.insert(0, sys.argv[7])
import make_core
with open(os.path.join(dest, "dump.txt")) as f:
    m = re.search(r"^HEAPSCOPE-MEMSTATS (.*)$", f.read(), re.M)
fields = {
    "goversion": goversion, "toolchain": rel, "program": program, "arch": "arm64", "kind": "crash",
    "args": [os.path.basename(a) for a in sys.argv[8:]], "source": "tests/fixtures/go/%s/main.go" % program,
    "qemu": qemu, "paths": {"exe": "exe", "core": "core", "dump": "dump.txt", "crash": "crash.txt"}}
if m:
    fields["memstats"] = json.loads(m.group(1))
make_core.write_info(capture, dest, fields)
EOF
    echo "arm64 $goversion $program: core.gz $(stat -c %s "$dest/core.gz") bytes, exe.gz $(stat -c %s "$dest/exe.gz") bytes"
  done
done
[ "${FOREIGN:-1}" = 1 ] || arches=() # FOREIGN=0: leave the stored bad-input cases as they are
for arch in "${arches[@]}"; do
  goarch=${arch%%:*} out=$work/foreign/${arch%%:*}
  dest=$repo/tests/cores/foreign/$goarch
  goversion=$(GOARCH=$goarch GO_LDFLAGS="-s -w" "$repo/tests/tools/build_fixture.sh" "${releases[-1]}" tiny "$out")
  rm -rf "$dest"
  mkdir -p "$dest"
  gzip -9 -n -c "$out/exe" >"$dest/exe.gz"
  python3 - "$repo/tests/tools" "$out" "qemu-${arch#*:}-static" "$dest" "$goarch" "$goversion" <<'EOF'
import gzip, json, os, shutil, sys
tools, out, qemu, dest, goarch, goversion = sys.argv[1:]
sys.path.insert(0, tools)
import make_core, run_fixture
info = {"goarch": goarch, "goversion": goversion, "program": "tiny", "ldflags": "-s -w",
        "source": "tests/fixtures/go/tiny/main.go", "qemu": qemu, "paths": {"exe": "exe"}}
try:
    raw, _, _ = make_core.capture_qemu(os.path.join(out, "exe"), out, qemu)
    with open(raw, "rb") as f, gzip.GzipFile(os.path.join(dest, "core.gz"), "wb", 9, mtime=0) as g:
        shutil.copyfileobj(f, g)
    info["paths"]["core"] = "core"
except (make_core.CoreError, run_fixture.FixtureError) as e:
    info["no_core"] = str(e).splitlines()[0]
with open(os.path.join(dest, "info.json"), "w") as f:
    json.dump(info, f, indent=1, sort_keys=True)
    f.write("\n")
EOF
  echo "foreign $goarch $goversion: $(ls "$dest" | tr '\n' ' ')"
done
"$repo/tests/prepare_data.sh" --manifest "$repo/tests/cores"
echo "make_arm64_cores.sh: $(du -cb "$repo"/tests/cores/{arm64,foreign}/*/* | tail -1 | cut -f1) bytes stored under tests/cores/{arm64,foreign}"
