// leaky: the bundled demo for heapscope. A small "service" that leaks the two ways real Go
// services do: every request stores a session in a global map that nothing ever prunes, and
// starts a goroutine that waits for a reply nobody sends. A few workers also queue on a mutex
// held by a slow "flush". It handles a request every few milliseconds until killed, so its heap
// and goroutine count grow steadily; it prints its pid and "READY" once it has warmed up.
//
// Builds with every Go release 1.19 and later, standard library only.
package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// Session is what each request leaks: a struct with pointers, and a buffer.
type Session struct {
	ID      int
	User    string
	Created time.Time
	Headers map[string]string
	Body    []byte
	Reply   chan string
}

var (
	sessionsMu sync.Mutex
	sessions   = map[int]*Session{} // never pruned: the heap leak
	flushMu    sync.Mutex           // held by a slow flush: workers queue behind it
)

// awaitReply is the goroutine leak: nobody ever sends on s.Reply.
func awaitReply(s *Session) {
	msg := <-s.Reply
	_ = msg
}

func handle(id int) {
	s := &Session{
		ID:      id,
		User:    fmt.Sprintf("user-%d", id%1000),
		Created: time.Now(),
		Headers: map[string]string{"Accept": "text/plain", "X-Request": fmt.Sprint(id)},
		Body:    make([]byte, 2048),
		Reply:   make(chan string),
	}
	copy(s.Body, strings.Repeat("payload ", 256))
	sessionsMu.Lock()
	sessions[id] = s
	sessionsMu.Unlock()
	go awaitReply(s)
}

func flusher() {
	for {
		flushMu.Lock()
		time.Sleep(2 * time.Second) // a slow flush holding the lock
		flushMu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
}

func worker(n int) {
	for {
		flushMu.Lock() // waits behind the flusher most of the time
		flushMu.Unlock()
		time.Sleep(time.Duration(n) * time.Millisecond)
	}
}

func main() {
	go flusher()
	for i := 1; i <= 4; i++ {
		go worker(i)
	}
	id := 0
	for ; id < 2000; id++ { // warm up so there is something to see at once
		handle(id)
	}
	fmt.Printf("leaky: pid %d, %d sessions so far, one more every 5ms\nREADY\n", os.Getpid(), id)
	for {
		time.Sleep(5 * time.Millisecond)
		handle(id)
		id++
	}
}
