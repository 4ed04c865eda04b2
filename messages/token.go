package messages

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Credential kinds: a login session (from /auth/login or /auth/register) or a personal API
// token (from /me/tokens).
const (
	CredentialSession = "session"
	CredentialToken   = "token"
)

// Principal is who a request acts as: the user and the credential it presented.
type Principal struct {
	User User
	// CredentialID identifies the credential among all live ones (never shown to clients
	// for sessions): revoking it must end what it opened.
	CredentialID string
	// Kind is CredentialSession or CredentialToken.
	Kind string
	// ReadOnly is set for API tokens with scope read-only: they may read and stream, never
	// change anything.
	ReadOnly  bool
	ExpiresAt Time
}

// Scope is what a personal API token may do.
type Scope string

// The API token scopes.
const (
	ScopeReadOnly  Scope = "read-only"
	ScopeReadWrite Scope = "read-write"
)

// Limits of personal API tokens.
const (
	MaxTokenName     = 100
	DefaultTokenLife = 90 * 24 * time.Hour
	MaxTokenLife     = 366 * 24 * time.Hour
)

// APIToken is a personal API token as listed: never its secret.
type APIToken struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Scope     Scope  `json:"scope"`
	CreatedAt Time   `json:"createdAt"`
	ExpiresAt Time   `json:"expiresAt"`
}

// NewAPIToken is the answer to creating a token: the token and, this once only, its secret.
type NewAPIToken struct {
	Token string `json:"token"`
	APIToken
}

// CreateToken asks for a personal API token. ExpiresAt, when absent, is DefaultTokenLife
// from now; Scope, when absent, is read-only.
type CreateToken struct {
	Name      string `json:"name"`
	Scope     Scope  `json:"scope"`
	ExpiresAt *Time  `json:"expiresAt"`
}

// Validate checks the fields against now and fills the defaults.
func (c *CreateToken) Validate(now time.Time) error {
	c.Name = strings.TrimSpace(c.Name)
	if n := utf8.RuneCountInString(c.Name); n == 0 || n > MaxTokenName {
		reason := "length"
		if n == 0 {
			reason = "required"
		}
		return Errorf(CodeValidation, "name must be 1 to %d characters", MaxTokenName).Field("name", reason)
	}
	if err := checkText("name", c.Name, false); err != nil {
		return err
	}
	switch c.Scope {
	case "":
		c.Scope = ScopeReadOnly
	case ScopeReadOnly, ScopeReadWrite:
	default:
		return Errorf(CodeValidation, "scope must be read-only or read-write").Field("scope", "invalid")
	}
	if c.ExpiresAt == nil {
		at := NewTime(now.Add(DefaultTokenLife))
		c.ExpiresAt = &at
	}
	if !c.ExpiresAt.After(now) || c.ExpiresAt.Sub(now) > MaxTokenLife {
		return Errorf(CodeValidation, "expiresAt must be in the future, at most a year ahead").Field("expiresAt", "range")
	}
	return nil
}

// ChangePassword asks to replace the caller's password.
type ChangePassword struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

// Revocation is a credential that ended: CredentialID (a Principal's) when one did, else
// every login session of UserID but Keep (a password change). Nodes sharing a database pass
// them on to each other, so that each ends its own connections that used the credential.
type Revocation struct {
	CredentialID string
	UserID       string
	Keep         string
}
