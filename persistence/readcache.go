package persistence

import "sync"

// readCache is a bounded map of answers read from the database. Whatever ends an answer
// (a revocation, a deletion) is committed through this DB, which then forgets it; the
// generation makes sure that an answer read before such a forget is never stored after it: a
// reader takes the generation with its miss, and put refuses an answer older than the last
// forget. Past limit entries the map starts again empty.
type readCache[V any] struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]V
}

// get returns the value cached for key, and the generation to hand to put after a miss.
func (c *readCache[V]) get(key string) (V, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.entries[key]
	return v, ok, c.gen
}

// put caches v for key unless something was forgotten since gen was read.
func (c *readCache[V]) put(key string, v V, gen uint64, limit int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= limit {
		c.entries = map[string]V{}
	}
	c.entries[key] = v
}

// forget drops keys, and forgetAll everything; answers read before either are not stored.
func (c *readCache[V]) forget(keys ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, k := range keys {
		delete(c.entries, k)
	}
}

func (c *readCache[V]) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}
