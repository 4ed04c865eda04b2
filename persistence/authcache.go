package persistence

import (
	"sync"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// principalCache remembers recent answers of Authenticate, so that a request need not query
// the database for its credential: under load that query cost as much CPU as the commits.
// Every way a credential ends goes through this DB (one server per database), which forgets
// what it ended; the generation makes sure that an answer read before a revocation is never
// stored after it.
type principalCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]cachedPrincipal // by token hash
}

type cachedPrincipal struct {
	p     messages.Principal
	until time.Time
}

const (
	principalTTL     = time.Minute
	principalEntries = 50000
)

// get returns the principal cached for hash, if it is still good at now, and the generation
// to hand to put after a miss.
func (c *principalCache) get(hash string, now time.Time) (messages.Principal, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || !now.Before(e.until) || !now.Before(e.p.ExpiresAt.Time) {
		return messages.Principal{}, false, c.gen
	}
	return e.p, true, c.gen
}

// put caches p unless a revocation happened since gen was read.
func (c *principalCache) put(hash string, p messages.Principal, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= principalEntries {
		c.entries = map[string]cachedPrincipal{}
	}
	c.entries[hash] = cachedPrincipal{p: p, until: now.Add(principalTTL)}
}

// forget drops every cached principal; call it after a credential's end is committed.
func (c *principalCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}
