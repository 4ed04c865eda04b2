package persistence_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

func TestAPITokens(t *testing.T) {
	ctx := context.Background()
	db, clock := openSeeded(t)
	day := messages.NewTime(t0.Add(24 * time.Hour))
	ro, err := db.CreateToken(ctx, "user-alice", messages.CreateToken{Name: " read ", ExpiresAt: &day})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	rw, err := db.CreateToken(ctx, "user-alice", messages.CreateToken{Name: "write", Scope: messages.ScopeReadWrite})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	secret, ok := strings.CutPrefix(ro.Token, "tbp_")
	if raw, err := base64.RawURLEncoding.DecodeString(secret); !ok || err != nil || len(raw) != 32 {
		t.Fatalf("token %q is not tbp_ and 32 bytes of base64url", ro.Token)
	}
	wantRO := messages.APIToken{ID: ro.ID, Name: "read", Scope: messages.ScopeReadOnly, CreatedAt: messages.NewTime(t0), ExpiresAt: day}
	if ro.APIToken != wantRO || !strings.HasPrefix(ro.ID, "tok_") {
		t.Fatalf("created %+v, want %+v", ro.APIToken, wantRO)
	}
	if rw.ExpiresAt != messages.NewTime(t0.Add(messages.DefaultTokenLife)) {
		t.Fatalf("default expiry %v", rw.ExpiresAt)
	}
	sum := sha256.Sum256([]byte(ro.Token))
	var n int
	if err := db.Bun().QueryRowContext(ctx, "SELECT count(*) FROM api_tokens WHERE token_hash = ?", hex.EncodeToString(sum[:])).Scan(&n); err != nil || n != 1 {
		t.Fatalf("tokens stored under the secret's sha256: %d (%v), want 1", n, err)
	}

	p, err := db.Authenticate(ctx, ro.Token)
	want := messages.Principal{User: alice, CredentialID: ro.ID, Kind: messages.CredentialToken, ReadOnly: true, ExpiresAt: day}
	if err != nil || p != want {
		t.Fatalf("Authenticate(read-only) = %+v, %v, want %+v", p, err, want)
	}
	if p, err := db.Authenticate(ctx, rw.Token); err != nil || p.ReadOnly || p.CredentialID != rw.ID {
		t.Fatalf("Authenticate(read-write) = %+v, %v", p, err)
	}
	listed, err := db.Tokens(ctx, "user-alice")
	if err != nil || !cmp.Equal(listed, []messages.APIToken{ro.APIToken, rw.APIToken}) {
		t.Fatalf("Tokens = %+v, %v", listed, err)
	}
	if other, err := db.Tokens(ctx, "user-bob"); err != nil || len(other) != 0 {
		t.Fatalf("bob's tokens = %+v, %v, want none", other, err)
	}

	// Another user cannot revoke it; its owner can, and then it is gone.
	if err := db.RevokeToken(ctx, "user-bob", rw.ID); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Fatalf("bob revoking alice's token: %v, want not_found", err)
	}
	if err := db.RevokeToken(ctx, "user-alice", rw.ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if _, err := db.Authenticate(ctx, rw.Token); messages.ErrorCode(err) != messages.CodeUnauthorized {
		t.Fatalf("revoked token: %v, want unauthorized", err)
	}
	// Logging out with a token revokes it.
	tmp, err := db.CreateToken(ctx, "user-alice", messages.CreateToken{Name: "tmp"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Logout(ctx, tmp.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, tmp.Token); messages.ErrorCode(err) != messages.CodeUnauthorized {
		t.Fatalf("logged-out token: %v, want unauthorized", err)
	}
	// Expired: refused and no longer listed.
	clock.Advance(24 * time.Hour)
	if _, err := db.Authenticate(ctx, ro.Token); messages.ErrorCode(err) != messages.CodeUnauthorized {
		t.Fatalf("expired token: %v, want unauthorized", err)
	}
	if listed, err := db.Tokens(ctx, "user-alice"); err != nil || len(listed) != 0 {
		t.Fatalf("Tokens after expiry = %+v, %v", listed, err)
	}
	// A session token that merely looks like an API token is not one.
	if _, err := db.Authenticate(ctx, "tbp_"+secret); messages.ErrorCode(err) != messages.CodeUnauthorized {
		t.Fatalf("forged token: %v", err)
	}
}

func TestAPITokenLimits(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	if _, err := db.CreateToken(ctx, "user-bob", messages.CreateToken{Name: ""}); messages.ErrorCode(err) != messages.CodeValidation {
		t.Fatalf("nameless token: %v, want validation", err)
	}
	for i := range persistence.MaxAPITokens {
		if _, err := db.CreateToken(ctx, "user-bob", messages.CreateToken{Name: "t"}); err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
	}
	if _, err := db.CreateToken(ctx, "user-bob", messages.CreateToken{Name: "one too many"}); messages.ErrorCode(err) != messages.CodeConflict {
		t.Fatalf("token %d: %v, want conflict", persistence.MaxAPITokens+1, err)
	}
}

func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	login := func(password string) (messages.Session, error) {
		return db.Login(ctx, "bob@example.com", password)
	}
	current, err := login(persistence.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	other, err := login(persistence.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := db.CreateToken(ctx, "user-bob", messages.CreateToken{Name: "script"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.Authenticate(ctx, current.Token)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ current, next, field string }{
		{"wrong password", "new password", "currentPassword"},
		{persistence.DemoPassword, "short", "newPassword"},
	} {
		err := db.ChangePassword(ctx, "user-bob", p.CredentialID, tc.current, tc.next)
		if e := messages.AsError(err); e.Code != messages.CodeValidation || e.Fields[tc.field] == "" {
			t.Fatalf("ChangePassword(%q, %q) = %v, want validation on %s", tc.current, tc.next, err, tc.field)
		}
	}
	if _, err := db.Authenticate(ctx, other.Token); err != nil {
		t.Fatalf("a refused change ended a session: %v", err)
	}

	if err := db.ChangePassword(ctx, "user-bob", p.CredentialID, persistence.DemoPassword, "new password"); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	if _, err := login(persistence.DemoPassword); messages.ErrorCode(err) != messages.CodeUnauthorized {
		t.Fatalf("login with the old password: %v", err)
	}
	if _, err := login("new password"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	for token, live := range map[string]bool{current.Token: true, other.Token: false, tok.Token: true} {
		if _, err := db.Authenticate(ctx, token); (err == nil) != live {
			t.Errorf("after the change, token %.8s… authenticates: %v, want live %v", token, err, live)
		}
	}
}

func TestFindUser(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	for _, tc := range []struct{ id, email string }{{"user-alice", ""}, {"", "alice@example.com"}, {"", " ALICE@example.com"}} {
		if u, err := db.FindUser(ctx, tc.id, tc.email); err != nil || u != alice {
			t.Errorf("FindUser(%q, %q) = %+v, %v, want alice", tc.id, tc.email, u, err)
		}
	}
	for _, tc := range []struct{ id, email string }{{"user-nobody", ""}, {"", "nobody@example.com"}, {"", ""}} {
		if _, err := db.FindUser(ctx, tc.id, tc.email); messages.ErrorCode(err) != messages.CodeNotFound {
			t.Errorf("FindUser(%q, %q) = %v, want not_found", tc.id, tc.email, err)
		}
	}
}
