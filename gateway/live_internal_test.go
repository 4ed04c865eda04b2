package gateway

import (
	"errors"
	"testing"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// ended records how a registered connection was ended.
type ended chan error

func (e ended) end(cause error) { e <- cause }

func (e ended) await(t *testing.T, want error) {
	t.Helper()
	select {
	case got := <-e:
		if !errors.Is(got, want) {
			t.Fatalf("ended with %v, want %v", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("not ended, want %v", want)
	}
}

func (e ended) still(t *testing.T) {
	t.Helper()
	select {
	case got := <-e:
		t.Fatalf("ended with %v, want it still open", got)
	default:
	}
}

func TestLiveSet(t *testing.T) {
	l := newLiveSet()
	session := func(user, id string) messages.Principal {
		return messages.Principal{User: messages.User{ID: user}, CredentialID: id, Kind: messages.CredentialSession}
	}
	a1, a2, b, tok := make(ended, 1), make(ended, 1), make(ended, 1), make(ended, 1)
	l.register(session("alice", "s1"), a1.end)
	releaseA2 := l.register(session("alice", "s2"), a2.end)
	l.register(session("bob", "s3"), b.end)
	l.register(messages.Principal{User: messages.User{ID: "alice"}, CredentialID: "tok_1", Kind: messages.CredentialToken}, tok.end)

	if n := l.revokeCredential("s1"); n != 1 {
		t.Fatalf("revokeCredential ended %d, want 1", n)
	}
	a1.await(t, errCredentialRevoked)
	a2.still(t)
	// A password change keeps the session making it and the API tokens.
	if n := l.revokeSessions("alice", "s2"); n != 0 {
		t.Fatalf("revokeSessions ended %d, want 0", n)
	}
	releaseA2()
	releaseA2() // twice is fine
	if n := l.revokeCredential("s2"); n != 0 {
		t.Fatalf("a released connection was ended")
	}
	b.still(t)
	tok.still(t)
	if l.count() != 2 {
		t.Fatalf("%d registered, want bob's and the token's", l.count())
	}
}

func TestLiveSetEndsAtExpiry(t *testing.T) {
	l := newLiveSet()
	e := make(ended, 1)
	l.register(messages.Principal{CredentialID: "s", ExpiresAt: messages.NewTime(time.Now().Add(20 * time.Millisecond))}, e.end)
	e.await(t, errCredentialExpired)

	// Released before its expiry, a connection is not ended.
	kept := make(ended, 1)
	release := l.register(messages.Principal{CredentialID: "t", ExpiresAt: messages.NewTime(time.Now().Add(time.Hour))}, kept.end)
	release()
	kept.still(t)
	if l.count() != 0 {
		t.Fatalf("%d registered, want none: the expired credential is forgotten", l.count())
	}
}

func TestLiveSetSharesACredentialsExpiry(t *testing.T) {
	l := newLiveSet()
	soon := messages.Principal{CredentialID: "s", Kind: messages.CredentialSession, ExpiresAt: messages.NewTime(time.Now().Add(30 * time.Millisecond))}
	first, second, other := make(ended, 1), make(ended, 1), make(ended, 1)
	l.register(soon, first.end)
	releaseSecond := l.register(soon, second.end)
	l.register(messages.Principal{CredentialID: "s", Kind: messages.CredentialToken}, other.end) // another kind, same id
	releaseSecond()
	first.await(t, errCredentialExpired)
	second.still(t)
	other.still(t)

	// Extended, a credential ends at its latest expiry, for every connection it opened.
	later := messages.Principal{CredentialID: "x", Kind: messages.CredentialSession, ExpiresAt: messages.NewTime(time.Now().Add(time.Hour))}
	a, b := make(ended, 1), make(ended, 1)
	l.register(later, a.end)
	later.ExpiresAt = messages.NewTime(later.ExpiresAt.Add(time.Hour))
	l.register(later, b.end)
	if n := l.revokeCredential("x"); n != 2 {
		t.Fatalf("revoked %d, want both connections of the credential", n)
	}
	a.await(t, errCredentialRevoked)
	b.await(t, errCredentialRevoked)
}
