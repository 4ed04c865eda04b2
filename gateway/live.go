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
// and a connection ends by itself when its credential expires. It is safe for concurrent use.
//
// A connection registers with the principal it authenticated as and a function that ends
// it; it releases its entry when it ends for any reason.
type liveSet struct {
	mu    sync.Mutex
	last  uint64
	conns map[uint64]*liveConn
}

type liveConn struct {
	p     messages.Principal
	once  sync.Once
	end   func(cause error)
	timer *time.Timer // fires at the credential's expiry
}

func (c *liveConn) stop(cause error) { c.once.Do(func() { c.end(cause) }) }

func newLiveSet() *liveSet { return &liveSet{conns: map[uint64]*liveConn{}} }

// register adds a connection opened with p. end is called at most once, with
// errCredentialRevoked or errCredentialExpired, from the goroutine that revokes (or a timer's):
// it must only signal the connection to end, not wait for it. release, which the connection
// must call when it ends, removes the entry and is safe to call more than once.
func (l *liveSet) register(p messages.Principal, end func(cause error)) (release func()) {
	c := &liveConn{p: p, end: end}
	l.mu.Lock()
	l.last++
	id := l.last
	l.conns[id] = c
	l.mu.Unlock()
	if !p.ExpiresAt.IsZero() {
		c.timer = time.AfterFunc(time.Until(p.ExpiresAt.Time), func() { c.stop(errCredentialExpired) })
	}
	return func() {
		if c.timer != nil {
			c.timer.Stop()
		}
		l.mu.Lock()
		delete(l.conns, id)
		l.mu.Unlock()
	}
}

// revoke ends every connection whose principal matches and returns how many it ended.
func (l *liveSet) revoke(match func(p messages.Principal) bool) int {
	l.mu.Lock()
	var ended []*liveConn
	for id, c := range l.conns {
		if match(c.p) {
			ended = append(ended, c)
			delete(l.conns, id)
		}
	}
	l.mu.Unlock()
	for _, c := range ended {
		if c.timer != nil {
			c.timer.Stop()
		}
		c.stop(errCredentialRevoked)
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
	return len(l.conns)
}

// hold registers r's connection as live: the returned request's context is cancelled, with
// errCredentialRevoked or errCredentialExpired as its cause, when the credential that
// authenticated r is revoked or expires. done releases the registration.
func (s *Server) hold(r *http.Request) (_ *http.Request, done func()) {
	ctx, cancel := context.WithCancelCause(r.Context())
	p, _ := principalFrom(r.Context())
	release := s.live.register(p, cancel)
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
