package socket

import (
	"runtime"
	"sync"
)

// flusher is an outbox with something to do. flush runs on a pool worker: it writes without
// blocking and hands anything that would block to a goroutine of its own.
type flusher interface{ flush() }

// Pool runs the outboxes' flushes on at most GOMAXPROCS goroutines, in the order they were
// asked for, so that a burst of deliveries to thousands of connections starts no goroutine
// per connection. Workers start when there is work and end when there is none: an idle
// server keeps none. A Pool is shared by every outbox of a server.
type Pool struct {
	mu      sync.Mutex
	ready   []flusher
	head    int // ready[head:] wait
	workers int
	max     int
}

// poolGrab is how many flushes a worker takes at once: fewer lock round trips in a burst.
const poolGrab = 16

// NewPool returns a pool of at most GOMAXPROCS workers.
func NewPool() *Pool { return &Pool{max: runtime.GOMAXPROCS(0)} }

// schedule queues f's flush.
func (p *Pool) schedule(f flusher) {
	p.mu.Lock()
	p.ready = append(p.ready, f)
	start := p.workers < p.max
	if start {
		p.workers++
	}
	p.mu.Unlock()
	if start {
		go p.work()
	}
}

func (p *Pool) work() {
	var batch [poolGrab]flusher
	for {
		p.mu.Lock()
		n := copy(batch[:], p.ready[p.head:])
		clear(p.ready[p.head : p.head+n])
		p.head += n
		if p.head == len(p.ready) {
			p.ready, p.head = p.ready[:0], 0
		}
		if n == 0 {
			p.workers--
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		for i, f := range batch[:n] {
			f.flush()
			batch[i] = nil
		}
	}
}
