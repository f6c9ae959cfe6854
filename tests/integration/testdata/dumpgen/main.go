// dumpgen makes the Go runtime print the goroutine-dump forms rtdump.py must parse: a deep stack
// (elided frames), a goroutine locked to its thread, a generic function, inlined frames, and
// waits of a minute or more (after a GC records wait-since times). It prints runtime.Stack(all)
// between HEAPSCOPE-DUMP markers, then READY, then waits for SIGQUIT (capture.sh runs it with
// GOTRACEBACK=crash for the crash form). DEPTH frames of recursion, WAIT seconds before the dump.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

var never = make(chan int)

//go:noinline
func recurse(n int) int {
	if n == 0 {
		return <-never
	}
	return recurse(n-1) + 1
}

func waitOn[T any](ch chan T) T { return <-ch }

//go:noinline
func generic() { fmt.Println(waitOn(make(chan string))) }

//go:noinline
func locked() {
	runtime.LockOSThread()
	select {
	case <-never:
	case <-time.After(time.Hour):
	}
}

func env(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func main() {
	go recurse(env("DEPTH", 120))
	go generic()
	go locked()
	go func() { time.Sleep(time.Hour) }()
	time.Sleep(100 * time.Millisecond)
	runtime.GC() // the first GC records wait-since 0 (work.tstart is set at its end),
	runtime.GC() // the second the first one's start time
	time.Sleep(time.Duration(env("WAIT", 61)) * time.Second)
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	fmt.Printf("HEAPSCOPE-DUMP-BEGIN\n%s\nHEAPSCOPE-DUMP-END\nREADY\n", buf)
	select {}
}
