package gateway

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// The causes with which a live connection is ended by its credential.
var (
	errCredentialRevoked = errors.New("credential revoked")
	errCredentialExpired = errors.New("credential expired")
)

// liveSet is the registry of long-lived connections (SSE streams, long polls, and any other
// connection held open, such as a WebSocket) by the credential that opened them. Revoking a
// credential (logout, API token revocation, a password change) ends its connections at once,
// and they end by themselves when the credential expires. It is safe for concurrent use.
//
// A connection registers with the principal it authenticated as and a function that ends
// it; it releases its entry when it ends for any reason. The connections of one credential
// share one entry and one expiry timer: thousands of connections of a few users cost a few
// timers.
type liveSet struct {
	mu    sync.Mutex
	last  uint64
	creds map[string]*liveCredential
}

// liveCredential is the open connections of one credential, by registration id.
type liveCredential struct {
	p     messages.Principal
	timer *time.Timer // fires at the credential's expiry
	conns map[uint64]func(cause error)
}

func newLiveSet() *liveSet { return &liveSet{creds: map[string]*liveCredential{}} }

// credentialKey identifies a credential across kinds.
func credentialKey(p messages.Principal) string { return string(p.Kind) + ":" + p.CredentialID }

// register adds a connection opened with p. end is called at most once, with
// errCredentialRevoked or errCredentialExpired, from the goroutine that revokes (or a timer's):
// it must only signal the connection to end, not wait for it. release, which the connection
// must call when it ends, removes the entry, runs also (the connection's other places, such
// as its admission) and is safe to call more than once.
func (l *liveSet) register(p messages.Principal, end func(cause error), also ...func()) (release func()) {
	key := credentialKey(p)
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.creds[key]
	if c == nil {
		c = &liveCredential{p: p, conns: map[uint64]func(error){}}
		l.creds[key] = c
		if !p.ExpiresAt.IsZero() {
			c.timer = time.AfterFunc(time.Until(p.ExpiresAt.Time), func() { l.expire(key, c) })
		}
	} else if c.timer != nil && p.ExpiresAt.After(c.p.ExpiresAt.Time) {
		// The credential was extended: the latest expiry is the one that holds.
		c.p = p
		c.timer.Reset(time.Until(p.ExpiresAt.Time))
	}
	l.last++
	id := l.last
	c.conns[id] = end
	var once sync.Once
	return func() {
		l.mu.Lock()
		delete(c.conns, id)
		if len(c.conns) == 0 && l.creds[key] == c {
			l.forgetLocked(key, c)
		}
		l.mu.Unlock()
		once.Do(func() {
			for _, f := range also {
				f()
			}
		})
	}
}

// forgetLocked removes a credential's entry. The caller holds l.mu.
func (l *liveSet) forgetLocked(key string, c *liveCredential) {
	delete(l.creds, key)
	if c.timer != nil {
		c.timer.Stop()
	}
}

// expire ends the connections of a credential whose time is up.
func (l *liveSet) expire(key string, c *liveCredential) {
	l.mu.Lock()
	if l.creds[key] != c {
		l.mu.Unlock()
		return
	}
	l.forgetLocked(key, c)
	ends := c.conns
	c.conns = map[uint64]func(error){}
	l.mu.Unlock()
	for _, end := range ends {
		end(errCredentialExpired)
	}
}

// revoke ends every connection whose principal matches and returns how many it ended.
func (l *liveSet) revoke(match func(p messages.Principal) bool) int {
	l.mu.Lock()
	var ended []func(error)
	for key, c := range l.creds {
		if match(c.p) {
			for _, end := range c.conns {
				ended = append(ended, end)
			}
			c.conns = map[uint64]func(error){}
			l.forgetLocked(key, c)
		}
	}
	l.mu.Unlock()
	for _, end := range ended {
		end(errCredentialRevoked)
	}
	return len(ended)
}

// revokeCredential ends the connections opened with one credential.
func (l *liveSet) revokeCredential(id string) int {
	return l.revoke(func(p messages.Principal) bool { return p.CredentialID == id })
}

// revokeSessions ends the connections a user opened with a login session other than keep.
func (l *liveSet) revokeSessions(userID, keep string) int {
	return l.revoke(func(p messages.Principal) bool {
		return p.User.ID == userID && p.Kind == messages.CredentialSession && p.CredentialID != keep
	})
}

// count returns the number of live connections.
func (l *liveSet) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.creds {
		n += len(c.conns)
	}
	return n
}

// hold registers r's connection as live: the returned request's context is cancelled, with
// errCredentialRevoked or errCredentialExpired as its cause, when the credential that
// authenticated r is revoked or expires. done releases the registration, and also.
func (s *Server) hold(r *http.Request, also ...func()) (_ *http.Request, done func()) {
	ctx, cancel := context.WithCancelCause(r.Context())
	p, _ := principalFrom(r.Context())
	release := s.live.register(p, cancel, also...)
	return r.WithContext(ctx), func() {
		release()
		cancel(nil)
	}
}

// credentialEnded returns the unauthorized error for a connection ended by its credential, or
// nil when ctx was not.
func credentialEnded(ctx context.Context) error {
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errCredentialRevoked):
		return messages.Errorf(messages.CodeUnauthorized, "the session or token was revoked")
	case errors.Is(cause, errCredentialExpired):
		return messages.Errorf(messages.CodeUnauthorized, "the session or token expired")
	}
	return nil
}

// Revoked ends the connections opened with a credential that ended on another node sharing
// the database (the node that ended it has ended its own already), and returns how many.
func (s *Server) Revoked(r messages.Revocation) int {
	if r.CredentialID != "" {
		return s.live.revokeCredential(r.CredentialID)
	}
	return s.live.revokeSessions(r.UserID, r.Keep)
}
