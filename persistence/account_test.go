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

var alice = messages.User{ID: "user-alice", Name: "Alice", Email: "alice@example.com"}

func TestLogin(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	badLogin := messages.Errorf(messages.CodeUnauthorized, "invalid email or password")
	for _, tc := range []struct {
		name, email, password string
		wantErr               *messages.Error
	}{
		{"right password", "alice@example.com", persistence.DemoPassword, nil},
		{"email in other case, with spaces", "  Alice@Example.COM ", persistence.DemoPassword, nil},
		{"wrong password", "alice@example.com", "taskboard-demo!", badLogin},
		{"password of another user", "bob@example.com", "", badLogin},
		{"unknown email", "mallory@example.com", persistence.DemoPassword, badLogin},
		{"empty email", "", persistence.DemoPassword, badLogin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := db.Login(ctx, tc.email, tc.password)
			if tc.wantErr != nil {
				// Unknown email and wrong password are the very same error.
				if diff := cmp.Diff(tc.wantErr, messages.AsError(err)); diff != "" || s.Token != "" {
					t.Fatalf("Login error mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if s.User != alice || s.ExpiresAt != messages.NewTime(t0.Add(persistence.DefaultSessionTTL)) {
				t.Errorf("Login = %+v, want alice until %v", s, t0.Add(persistence.DefaultSessionTTL))
			}
			if raw, err := base64.RawURLEncoding.DecodeString(s.Token); err != nil || len(raw) != 32 {
				t.Errorf("token %q is not 32 bytes of base64url: %v", s.Token, err)
			}
		})
	}
}

// Only the token's sha256 is stored, and the password's argon2id hash.
func TestSecretsAtRest(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	s, err := db.Register(ctx, "erin@example.com", "Erin", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(s.Token))
	var n int
	if err := db.Bun().QueryRowContext(ctx, "SELECT count(*) FROM sessions WHERE token_hash = ?",
		hex.EncodeToString(sum[:])).Scan(&n); err != nil || n != 1 {
		t.Errorf("sessions with the token's sha256: %d (%v), want 1", n, err)
	}
	var hash string
	if err := db.Bun().QueryRowContext(ctx, "SELECT password_hash FROM users").Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") || len(strings.Split(hash, "$")) != 6 {
		t.Errorf("password hash %q is not a PHC argon2id string with the configured costs", hash)
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	db, clock := openSeeded(t)
	first, err := db.Login(ctx, "alice@example.com", persistence.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	authOK := func(token string) {
		t.Helper()
		p, err := db.Authenticate(ctx, token)
		sum := sha256.Sum256([]byte(token))
		want := messages.Principal{User: alice, CredentialID: hex.EncodeToString(sum[:]), Kind: messages.CredentialSession, ExpiresAt: p.ExpiresAt}
		if err != nil || p != want || p.ExpiresAt.IsZero() {
			t.Fatalf("Authenticate = %+v, %v, want alice's session", p, err)
		}
	}
	authFails := func(token string) {
		t.Helper()
		if u, err := db.Authenticate(ctx, token); messages.ErrorCode(err) != messages.CodeUnauthorized {
			t.Fatalf("Authenticate = %+v, %v, want unauthorized", u, err)
		}
	}
	authOK(first.Token)
	authFails("")
	authFails("not-a-token")
	authFails(strings.Repeat("x", 10_000))

	clock.Advance(persistence.DefaultSessionTTL - time.Millisecond)
	authOK(first.Token)
	second, err := db.Login(ctx, "alice@example.com", persistence.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Millisecond)
	authFails(first.Token) // expired
	authOK(second.Token)

	if err := db.Logout(ctx, second.Token); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	authFails(second.Token)
	if err := db.Logout(ctx, second.Token); err != nil {
		t.Fatalf("second Logout: %v", err)
	}

	// Logout ends that session only.
	a, err := db.Login(ctx, "alice@example.com", persistence.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.Login(ctx, "alice@example.com", persistence.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Logout(ctx, a.Token); err != nil {
		t.Fatal(err)
	}
	authFails(a.Token)
	authOK(b.Token)
}

func TestSessionTTLOption(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db, err := persistence.Open(ctx, t.TempDir()+"/ttl.db",
		persistence.Options{Clock: c.Now, SessionTTL: time.Hour, HashParams: cheapHash})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := db.Register(ctx, "frank@example.com", "Frank", "password-1")
	if err != nil {
		t.Fatal(err)
	}
	if want := messages.NewTime(t0.Add(time.Hour)); s.ExpiresAt != want {
		t.Fatalf("ExpiresAt = %v, want %v", s.ExpiresAt, want)
	}
	c.Advance(time.Hour)
	if _, err := db.Authenticate(ctx, s.Token); messages.ErrorCode(err) != messages.CodeUnauthorized {
		t.Fatalf("Authenticate after the TTL: %v, want unauthorized", err)
	}
}

func TestRegister(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)

	s, err := db.Register(ctx, " dave@example.com ", "  Dave  ", "password-1")
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if !strings.HasPrefix(s.User.ID, "user_") || len(s.User.ID) != len("user_")+26 ||
		s.User.Name != "Dave" || s.User.Email != "dave@example.com" {
		t.Errorf("Register user = %+v, want user_<ulid> Dave dave@example.com", s.User)
	}
	if p, err := db.Authenticate(ctx, s.Token); err != nil || p.User != s.User {
		t.Errorf("Authenticate(registration token) = %+v, %v, want %+v", p, err, s.User)
	}
	if _, err := db.Login(ctx, "DAVE@example.com", "password-1"); err != nil {
		t.Errorf("Login after Register: %v", err)
	}

	long := strings.Repeat("é", persistence.MaxName+1)
	for _, tc := range []struct {
		name, email, userName, password string
		wantCode                        messages.Code
		wantFields                      map[string]string
	}{
		{"taken email", "dave@example.com", "Dave 2", "password-2", messages.CodeConflict, map[string]string{"email": "taken"}},
		{"taken email, other case", "ALICE@example.com", "Alice 2", "password-2", messages.CodeConflict, map[string]string{"email": "taken"}},
		{"no email", "", "Eve", "password-1", messages.CodeValidation, map[string]string{"email": "required"}},
		{"bad email", "eve.example.com", "Eve", "password-1", messages.CodeValidation, map[string]string{"email": "format"}},
		{"email with a display name", "Eve <eve@example.com>", "Eve", "password-1", messages.CodeValidation, map[string]string{"email": "format"}},
		{"blank name", "eve@example.com", "   ", "password-1", messages.CodeValidation, map[string]string{"name": "required"}},
		{"long name", "eve@example.com", long, "password-1", messages.CodeValidation, map[string]string{"name": "length"}},
		{"short password", "eve@example.com", "Eve", "1234567", messages.CodeValidation, map[string]string{"password": "length"}},
		{"everything wrong", "x", "", "", messages.CodeValidation,
			map[string]string{"email": "format", "name": "required", "password": "length"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.Register(ctx, tc.email, tc.userName, tc.password)
			e := messages.AsError(err)
			if e.Code != tc.wantCode || !cmp.Equal(e.Fields, tc.wantFields) {
				t.Fatalf("Register error = %v %v, want %s %v", err, e.Fields, tc.wantCode, tc.wantFields)
			}
		})
	}
	// Exactly 8 characters (not bytes) and 100-character names are fine.
	if _, err := db.Register(ctx, "gina@example.com", strings.Repeat("é", persistence.MaxName), "ééééééé1"); err != nil {
		t.Errorf("Register at the limits: %v", err)
	}
}

func TestLoginContextCancelled(t *testing.T) {
	db, _ := openSeeded(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.Login(ctx, "alice@example.com", persistence.DemoPassword); err == nil {
		t.Fatal("Login with a cancelled context succeeded")
	}
}

// A credential that ends stops authenticating at once, though answers are cached: logout,
// token revocation and a password change each end what they end.
func TestAuthenticateForgetsEndedCredentials(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	session := func() string {
		s, err := db.Login(ctx, "bob@example.com", persistence.DemoPassword)
		if err != nil {
			t.Fatal(err)
		}
		return s.Token
	}
	valid := func(token string, want bool) {
		t.Helper()
		_, err := db.Authenticate(ctx, token)
		if (err == nil) != want {
			t.Fatalf("Authenticate: %v, want valid %v", err, want)
		}
	}
	kept, gone := session(), session()
	valid(kept, true)
	valid(gone, true)
	if err := db.Logout(ctx, gone); err != nil {
		t.Fatal(err)
	}
	valid(gone, false)
	valid(kept, true)

	tok, err := db.CreateToken(ctx, "user-bob", messages.CreateToken{Name: "script", Scope: messages.ScopeReadWrite})
	if err != nil {
		t.Fatal(err)
	}
	valid(tok.Token, true)
	if err := db.RevokeToken(ctx, "user-bob", tok.ID); err != nil {
		t.Fatal(err)
	}
	valid(tok.Token, false)

	other := session()
	valid(other, true)
	principal, _ := db.Authenticate(ctx, kept)
	if err := db.ChangePassword(ctx, "user-bob", principal.CredentialID, persistence.DemoPassword, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	valid(other, false)
	valid(kept, true)
}
