package persistence

import (
	"time"

	"github.com/taskboard/taskboard/messages"
)

// principalCache remembers recent answers of Authenticate by token hash, so that a request
// need not query the database for its credential: under load that query cost as much CPU as
// the commits. Every way a credential ends goes through this DB (one server per database),
// which forgets what it ended.
type principalCache struct{ cache readCache[cachedPrincipal] }

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
	e, ok, gen := c.cache.get(hash)
	if !ok || !now.Before(e.until) || !now.Before(e.p.ExpiresAt.Time) {
		return messages.Principal{}, false, gen
	}
	return e.p, true, gen
}

// put caches p unless a revocation happened since gen was read.
func (c *principalCache) put(hash string, p messages.Principal, now time.Time, gen uint64) {
	c.cache.put(hash, cachedPrincipal{p: p, until: now.Add(principalTTL)}, gen, principalEntries)
}

// forget drops every cached principal; call it after a credential's end is committed.
func (c *principalCache) forget() { c.cache.forgetAll() }
