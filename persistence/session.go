package persistence

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

// maxTokenLen bounds what Authenticate bothers to hash; real tokens are 43 characters.
const maxTokenLen = 256

// newToken returns a token (prefix, then 32 random bytes in base64url without padding: 256
// bits) and the hash under which it is stored.
func newToken(prefix string) (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token)
}

// newSessionToken returns a session token that does not look like an API token: base64url
// may start with the API prefix (once in 16 million), and Authenticate tells them apart by it.
func newSessionToken() (token, hash string) {
	for {
		if token, hash = newToken(""); !strings.HasPrefix(token, apiTokenPrefix) {
			return token, hash
		}
	}
}

// tokenHash is the stored form of a token: the hex sha256. A fast hash is enough for 256
// random bits, and a leaked database holds no usable token.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// openSession inserts a new session for u in tx, first dropping u's expired sessions.
func (db *DB) openSession(ctx context.Context, tx bun.Tx, u messages.User) (messages.Session, error) {
	now := db.now()
	expires := now.Add(db.opts.SessionTTL)
	if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?",
		u.ID, millis(now)); err != nil {
		return messages.Session{}, fmt.Errorf("drop expired sessions: %w", err)
	}
	token, hash := newSessionToken()
	if _, err := tx.ExecContext(ctx,
		"INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
		hash, u.ID, millis(now), millis(expires)); err != nil {
		return messages.Session{}, fmt.Errorf("insert session: %w", err)
	}
	return messages.Session{Token: token, User: u, ExpiresAt: messages.NewTime(expires)}, nil
}

func errBadSession() error {
	return messages.Errorf(messages.CodeUnauthorized, "invalid or expired session")
}

// Authenticate returns the principal of a live session or API token: its user, the
// credential's id (the token hash for a session, the token id for an API token), kind, scope
// and expiry. An unknown, expired, logged-out or revoked token is an unauthorized
// *messages.Error.
func (db *DB) Authenticate(ctx context.Context, token string) (_ messages.Principal, err error) {
	defer classify(&err)
	if token == "" || len(token) > maxTokenLen {
		return messages.Principal{}, errBadSession()
	}
	hash := tokenHash(token)
	if db.loggedOut.has(hash) {
		return messages.Principal{}, errBadSession()
	}
	now := db.now()
	cached, ok, gen := db.sessions.get(hash, now)
	if ok {
		return cached, nil
	}
	p := messages.Principal{Kind: messages.CredentialSession, CredentialID: hash}
	var expires int64
	if strings.HasPrefix(token, apiTokenPrefix) {
		var scope string
		p.Kind = messages.CredentialToken
		err = db.bun.QueryRowContext(ctx, `SELECT u.id, u.name, u.email, t.id, t.scope, t.expires_at
			FROM api_tokens AS t JOIN users AS u ON u.id = t.user_id
			WHERE t.token_hash = ? AND t.expires_at > ?`, hash, millis(db.now())).
			Scan(&p.User.ID, &p.User.Name, &p.User.Email, &p.CredentialID, &scope, &expires)
		p.ReadOnly = messages.Scope(scope) != messages.ScopeReadWrite
	} else {
		err = db.bun.QueryRowContext(ctx, `SELECT u.id, u.name, u.email, s.expires_at
			FROM sessions AS s JOIN users AS u ON u.id = s.user_id
			WHERE s.token_hash = ? AND s.expires_at > ?`, hash, millis(db.now())).
			Scan(&p.User.ID, &p.User.Name, &p.User.Email, &expires)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return messages.Principal{}, errBadSession()
	case err != nil:
		return messages.Principal{}, fmt.Errorf("authenticate: %w", err)
	}
	p.ExpiresAt = fromMillis(expires)
	db.sessions.put(hash, p, now, gen)
	return p, nil
}

// Logout ends the session, or revokes the API token, of token, and only that one. An unknown
// token is not an error.
func (db *DB) Logout(ctx context.Context, token string) (err error) {
	defer classify(&err)
	if token == "" || len(token) > maxTokenLen {
		return nil
	}
	table := "sessions"
	if strings.HasPrefix(token, apiTokenPrefix) {
		table = "api_tokens"
	}
	hash := tokenHash(token)
	err = db.write(ctx, func(tx bun.Tx) error {
		credential := hash
		if table == "api_tokens" {
			var err error
			if credential, err = credentialOf(ctx, tx, hash); err != nil || credential == "" {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE token_hash = ?", hash)
		if n, _ := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return db.recordRevocation(ctx, tx, messages.Revocation{CredentialID: credential})
	})
	if err != nil {
		// The session ends all the same: refused from now on, its row deleted by Prune.
		db.loggedOut.add(table, hash)
		db.sessions.forget()
		return fmt.Errorf("logout: %w", err)
	}
	db.revoked()
	return nil
}

// loggedOut holds the credentials whose logout could not be written (a full disk, say): they
// are refused as if deleted until Prune deletes their rows. It is safe for concurrent use.
type loggedOut struct {
	mu     sync.Mutex
	hashes map[string]string // token hash → its table
}

func (l *loggedOut) add(table, hash string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hashes == nil {
		l.hashes = map[string]string{}
	}
	l.hashes[hash] = table
}

func (l *loggedOut) has(hash string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.hashes[hash]
	return ok
}

// all returns a copy of the pending logouts.
func (l *loggedOut) all() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.hashes)
}

func (l *loggedOut) done(hash string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hashes, hash)
}
