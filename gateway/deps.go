package gateway

import (
	"context"

	"github.com/taskboard/taskboard/messages"
)

// Boards is what the gateway needs of the board actors. Errors are *messages.Error values
// (not_found for a board the user is not a member of, forbidden, validation...), or anything
// else for internal failures.
type Boards interface {
	// Do runs a command (validated, routed to the board of the task or list it names,
	// replayed for a retried mutation id) and returns its result.
	Do(ctx context.Context, cmd messages.Command) (messages.Result, error)
	// Subscribe opens a subscription; the caller must Unsubscribe it once done.
	Subscribe(ctx context.Context, s messages.Subscribe) (*messages.Subscription, error)
	// Unsubscribe ends a subscription; it is safe after the board closed it.
	Unsubscribe(sub *messages.Subscription)
}

// Accounts is what the gateway needs of user accounts, sessions and API tokens.
type Accounts interface {
	// Login checks an email and password and opens a session; a wrong email or password is
	// the same unauthorized error, in about the same time.
	Login(ctx context.Context, email, password string) (messages.Session, error)
	// Register creates a user and opens a session; a taken email is a conflict.
	Register(ctx context.Context, email, name, password string) (messages.Session, error)
	// Authenticate returns the principal of a live session or API token, or unauthorized.
	Authenticate(ctx context.Context, token string) (messages.Principal, error)
	// Logout ends the session, or revokes the API token, of token. When it fails (unavailable),
	// the credential is refused all the same.
	Logout(ctx context.Context, token string) error
	// ChangePassword replaces a user's password after checking the current one (a wrong one
	// is a validation error) and ends the user's sessions other than keepSession.
	ChangePassword(ctx context.Context, userID, keepSession, current, next string) error
	// CreateToken creates a personal API token and returns it with its secret.
	CreateToken(ctx context.Context, userID string, c messages.CreateToken) (messages.NewAPIToken, error)
	// Tokens lists a user's live API tokens.
	Tokens(ctx context.Context, userID string) ([]messages.APIToken, error)
	// RevokeToken deletes one of the user's API tokens; another user's is not_found.
	RevokeToken(ctx context.Context, userID, tokenID string) error
}
