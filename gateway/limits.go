package gateway

import (
	"net/http"
	"sync"
	"syscall"

	"github.com/taskboard/taskboard/messages"
)

// Defaults of the caps on live connections (Config.MaxConnsPerUser, MaxConnsPerAddr).
const (
	// DefaultMaxConnsPerUser is room for a busy user: dozens of tabs, each live on a board.
	DefaultMaxConnsPerUser = 200
	// DefaultMaxConnsPerAddr is room for an office behind one NAT address.
	DefaultMaxConnsPerAddr = 2000
)

// Why a live connection is refused, as Observer.Refused reports it.
const (
	RefusedUser  = "user"
	RefusedAddr  = "address"
	RefusedTotal = "total"
)

// connLimits caps the live connections (SSE streams, WebSockets, waiting long polls) that one
// user and one client address may hold, and all of them together, below the process's open
// file limit with a reserve: so that one account or one address cannot starve the others, and
// health checks, logins and REST keep answering when the server is full. It is safe for
// concurrent use.
type connLimits struct {
	mu               sync.Mutex
	perUser, perAddr int
	total            int
	users, addrs     map[string]int
	n                int
}

// newConnLimits caps each count at its limit; a limit below 1 caps nothing.
func newConnLimits(perUser, perAddr, total int) *connLimits {
	return &connLimits{perUser: perUser, perAddr: perAddr, total: total, users: map[string]int{}, addrs: map[string]int{}}
}

// liveConnsBudget is how many live connections the process may hold: its open file limit less
// a reserve (a tenth, at least 256) for the database, listeners, health checks, logins and
// REST. Zero when the limit cannot be read: no cap beyond the per-user and per-address ones.
func liveConnsBudget() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == 0 || lim.Cur > 1<<30 {
		return 0
	}
	limit := int(lim.Cur)
	return max(limit-max(limit/10, 256), 1)
}

// admit takes a place for a live connection of user from addr, or refuses it: rate_limited
// past a user's or an address's cap, unavailable when the server is full. The place is held
// until release, which may be called more than once.
func (l *connLimits) admit(user, addr string) (release func(), reason string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.perUser > 0 && l.users[user] >= l.perUser:
		return nil, RefusedUser, messages.Errorf(messages.CodeRateLimited,
			"you hold %d live connections, the most one user may: close some tabs", l.perUser)
	case l.perAddr > 0 && l.addrs[addr] >= l.perAddr:
		return nil, RefusedAddr, messages.Errorf(messages.CodeRateLimited,
			"your address holds %d live connections, the most one address may", l.perAddr)
	case l.total > 0 && l.n >= l.total:
		return nil, RefusedTotal, messages.Errorf(messages.CodeUnavailable, "the server holds all the live connections it can, retry")
	}
	l.users[user]++
	l.addrs[addr]++
	l.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.n--
			if l.users[user]--; l.users[user] <= 0 {
				delete(l.users, user)
			}
			if l.addrs[addr]--; l.addrs[addr] <= 0 {
				delete(l.addrs, addr)
			}
		})
	}, "", nil
}

// admitLive takes a place for r's live connection of transport (see connLimits), counting a
// refusal for the metrics.
func (s *Server) admitLive(r *http.Request, transport string) (release func(), err error) {
	user, _ := userFrom(r.Context())
	release, reason, err := s.limits.admit(user.ID, clientIP(r))
	if err != nil {
		s.obs.Refused(transport, reason)
		logFrom(r.Context()).Info().Str("transport", transport).Str("reason", reason).Msg("live connection refused")
	}
	return release, err
}
