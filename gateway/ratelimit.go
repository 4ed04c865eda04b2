package gateway

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/taskboard/taskboard/messages"
)

// RateLimit is a token bucket: Burst attempts at once, then one more every Every.
type RateLimit struct {
	Every time.Duration
	Burst int
}

// Defaults of Config.LoginPerIP and Config.LoginPerAccount: ten attempts a minute from one
// address after a burst of 20, two a minute on one account after a burst of 10.
var (
	DefaultLoginPerIP      = RateLimit{Every: 6 * time.Second, Burst: 20}
	DefaultLoginPerAccount = RateLimit{Every: 30 * time.Second, Burst: 10}
)

func (l RateLimit) orDefault(d RateLimit) RateLimit {
	if l.Every <= 0 || l.Burst <= 0 {
		return d
	}
	return l
}

// keyedLimiter holds one token bucket per key. Buckets idle long enough to be full again are
// forgotten, so memory is bounded by the keys seen in that window. It is safe for concurrent
// use.
type keyedLimiter struct {
	limit   RateLimit
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newKeyedLimiter(l RateLimit) *keyedLimiter {
	return &keyedLimiter{limit: l, buckets: map[string]*bucket{}}
}

// refill is how long an untouched bucket takes to be full again.
func (k *keyedLimiter) refill() time.Duration { return k.limit.Every * time.Duration(k.limit.Burst) }

// reserve takes one attempt from key's bucket at now.
func (k *keyedLimiter) reserve(key string, now time.Time) *rate.Reservation {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.swept) > k.refill() {
		for key, b := range k.buckets {
			if now.Sub(b.seen) > k.refill() {
				delete(k.buckets, key)
			}
		}
		k.swept = now
	}
	b, ok := k.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Every(k.limit.Every), k.limit.Burst)}
		k.buckets[key] = b
	}
	b.seen = now
	return b.lim.ReserveN(now, 1)
}

// loginGuard rate-limits password checks per client address and per account.
type loginGuard struct {
	perIP, perAccount *keyedLimiter
}

// allow takes one attempt from the client's and the account's buckets. When either is empty
// it takes nothing and returns rate_limited, having set Retry-After on w.
func (g *loginGuard) allow(w http.ResponseWriter, r *http.Request, account string) error {
	now := time.Now()
	byIP := g.perIP.reserve(clientIP(r), now)
	byAccount := g.perAccount.reserve(strings.ToLower(strings.TrimSpace(account)), now)
	wait := max(byIP.DelayFrom(now), byAccount.DelayFrom(now))
	if wait == 0 {
		return nil
	}
	byIP.CancelAt(now)
	byAccount.CancelAt(now)
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	return messages.Errorf(messages.CodeRateLimited, "too many attempts, retry later")
}

// clientIP is the address of the connection's peer. Forwarding headers are not trusted: they
// are the client's to choose.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
