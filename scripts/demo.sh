#!/usr/bin/env bash
# demo.sh - the main job on the bundled demo: sets up the machine (scripts/setup.sh), builds
# heapscope into build/, builds and starts demo/leaky (a Go service that leaks sessions and
# goroutines), lets it run a few seconds, then inspects it from gdb with the heapscope plugin:
# threads-blocked (stuck goroutines, grouped, and which are leaked), heap-top (what fills the
# heap) and heap-paths (who holds the leaking sessions). Then the same for demo/leaky-cpp, a C++
# service (built with g++): its deadlock and stuck threads, what fills its glibc heap, the
# blocks nothing points to any more (leaked), and (watch) which classes keep growing. The demo
# programs are stopped when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build

go=""
for g in "$HOME"/.cache/go-toolchains/1.2[0-9]/usr/lib/go-1.*/bin/go; do [ -x "$g" ] && go=$g; done
[ -n "$go" ] || go=$(command -v go)
(cd demo/leaky && GO111MODULE=off GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS= "$go" build -o ../../build/leaky .)

build/leaky > build/leaky.out 2>&1 &
pid=$!
cpid=""
trap 'kill $pid $cpid 2>/dev/null || true' EXIT
for _ in $(seq 300); do grep -q READY build/leaky.out 2>/dev/null && break; sleep 0.1; done
grep -q READY build/leaky.out || { echo "demo: leaky did not start:" >&2; cat build/leaky.out >&2; exit 1; }
head -1 build/leaky.out
sleep 3   # let it leak a little more

cmds=(-ex "source build/heapscope.gdb" -ex "threads-blocked -n 3" -ex "heap-top -n 12"
      -ex "heap-paths main.Session -n 2")
echo "\$ gdb -p $pid -batch ${cmds[*]@Q}"
# the grep only hides gdb's own attach chatter (new threads, the frame it stopped in)
gdb -q -p "$pid" -batch -iex "set auto-load python-scripts off" "${cmds[@]}" 2>&1 |
  grep -v -P '^\[(New LWP|Thread debugging|Inferior)|^[^ ]+ \(\) at |^[0-9]+\t'

# the C++ service: threads, glibc heap, leaked blocks
g++ -O1 -g -pthread -o build/leaky-cpp demo/leaky-cpp/main.cpp
build/leaky-cpp > build/leaky-cpp.out 2>&1 &
cpid=$!
for _ in $(seq 300); do grep -q READY build/leaky-cpp.out 2>/dev/null && break; sleep 0.1; done
grep -q READY build/leaky-cpp.out || { echo "demo: leaky-cpp did not start:" >&2; cat build/leaky-cpp.out >&2; exit 1; }
sleep 2
cmds=(-ex "source build/heapscope.gdb" -ex "threads-blocked -n 1" -ex "heap-top -n 6"
      -ex "heap-top --unreachable -n 3")
echo
echo "\$ gdb -p $cpid -batch ${cmds[*]@Q}"
gdb -q -p "$cpid" -batch -iex "set auto-load python-scripts off" "${cmds[@]}" 2>&1 |
  grep -v -P '^\[(New LWP|Thread debugging|Inferior)|^[^ ]+ \(\) at |^[0-9]+\t|^Using host libthread_db'

# what keeps growing in the C++ service: its glibc heap in three snapshots a second apart
echo
echo "\$ build/heapscope watch --pid $cpid --interval 1s --count 3"
build/heapscope watch --pid "$cpid" --interval 1s --count 3 --dir build/watch-leaky-cpp
