package persistence

import (
	"context"
	"fmt"

	"github.com/oklog/ulid/v2"
	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

// apiTokenPrefix starts every personal API token, so that Authenticate knows where to look
// and secret scanners can recognise a leaked one. No session token starts with it.
const apiTokenPrefix = "tbp_"

// MaxAPITokens bounds the live API tokens of one user.
const MaxAPITokens = 50

type apiTokenRow struct {
	bun.BaseModel `bun:"table:api_tokens"`

	ID        string `bun:"id,pk"`
	TokenHash string `bun:"token_hash"`
	UserID    string `bun:"user_id"`
	Name      string `bun:"name"`
	Scope     string `bun:"scope"`
	CreatedAt int64  `bun:"created_at"`
	ExpiresAt int64  `bun:"expires_at"`
}

func (r apiTokenRow) token() messages.APIToken {
	return messages.APIToken{
		ID: r.ID, Name: r.Name, Scope: messages.Scope(r.Scope),
		CreatedAt: fromMillis(r.CreatedAt), ExpiresAt: fromMillis(r.ExpiresAt),
	}
}

// CreateToken creates a personal API token for userID and returns it with its secret, which
// is not stored and cannot be shown again. Bad fields are a validation *messages.Error (see
// messages.CreateToken.Validate); more than MaxAPITokens live tokens is a conflict.
func (db *DB) CreateToken(ctx context.Context, userID string, c messages.CreateToken) (_ messages.NewAPIToken, err error) {
	defer classify(&err)
	now := db.now()
	if err := c.Validate(now); err != nil {
		return messages.NewAPIToken{}, err
	}
	secret, hash := newToken(apiTokenPrefix)
	row := apiTokenRow{
		ID: "tok_" + ulid.Make().String(), TokenHash: hash, UserID: userID, Name: c.Name,
		Scope: string(c.Scope), CreatedAt: millis(now), ExpiresAt: millis(c.ExpiresAt.Time),
	}
	err = db.write(ctx, func(tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM api_tokens WHERE user_id = ? AND expires_at <= ?",
			userID, millis(now)); err != nil {
			return fmt.Errorf("drop expired tokens: %w", err)
		}
		n, err := tx.NewSelect().Model((*apiTokenRow)(nil)).Where("user_id = ?", userID).Count(ctx)
		if err != nil {
			return fmt.Errorf("count tokens: %w", err)
		}
		if n >= MaxAPITokens {
			return messages.Errorf(messages.CodeConflict, "at most %d API tokens: revoke one first", MaxAPITokens)
		}
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		return nil
	})
	if err != nil {
		return messages.NewAPIToken{}, fmt.Errorf("create token for %s: %w", userID, err)
	}
	return messages.NewAPIToken{Token: secret, APIToken: row.token()}, nil
}

// Tokens lists a user's live API tokens, oldest first, without their secrets.
func (db *DB) Tokens(ctx context.Context, userID string) (_ []messages.APIToken, err error) {
	defer classify(&err)
	if !messages.ValidText(userID, false) {
		return nil, nil
	}
	var rows []apiTokenRow
	if err := db.bun.NewSelect().Model(&rows).
		Where("user_id = ? AND expires_at > ?", userID, millis(db.now())).
		OrderExpr("created_at, id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("tokens of %s: %w", userID, err)
	}
	out := make([]messages.APIToken, len(rows))
	for i, r := range rows {
		out[i] = r.token()
	}
	return out, nil
}

// RevokeToken deletes one of userID's API tokens. A token that does not exist, or is
// another user's, is messages.NotFound("token").
func (db *DB) RevokeToken(ctx context.Context, userID, tokenID string) (err error) {
	defer classify(&err)
	if !messages.ValidText(userID, false) || !messages.ValidID(tokenID) {
		return messages.NotFound("token")
	}
	var n int64
	err = db.write(ctx, func(tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM api_tokens WHERE id = ? AND user_id = ?", tokenID, userID)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return db.recordRevocation(ctx, tx, messages.Revocation{CredentialID: tokenID})
	})
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", tokenID, err)
	}
	db.revoked()
	if n == 0 {
		return messages.NotFound("token")
	}
	return nil
}
