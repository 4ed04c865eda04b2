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

	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

// maxTokenLen bounds what Authenticate bothers to hash; real tokens are 43 characters.
const maxTokenLen = 256

// newToken returns a session token (32 random bytes, base64url without padding) and the
// hash under which it is stored.
func newToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token)
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
	token, hash := newToken()
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

// Authenticate returns the user of a live session token. An unknown, expired or logged-out
// token is an unauthorized *messages.Error.
func (db *DB) Authenticate(ctx context.Context, token string) (messages.User, error) {
	if token == "" || len(token) > maxTokenLen {
		return messages.User{}, errBadSession()
	}
	var u messages.User
	err := db.bun.QueryRowContext(ctx, `SELECT u.id, u.name, u.email
		FROM sessions AS s JOIN users AS u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ?`,
		tokenHash(token), millis(db.now())).Scan(&u.ID, &u.Name, &u.Email)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return messages.User{}, errBadSession()
	case err != nil:
		return messages.User{}, fmt.Errorf("authenticate: %w", err)
	}
	return u, nil
}

// Logout ends the session of token, and only that one. An unknown token is not an error.
func (db *DB) Logout(ctx context.Context, token string) error {
	if token == "" || len(token) > maxTokenLen {
		return nil
	}
	err := db.write(ctx, func(tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash(token))
		return err
	})
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}
