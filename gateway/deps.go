package gateway

import (
	"context"

	"github.com/taskboard/taskboard/messages"
)

// Boards is what the gateway needs of the board actors. Errors are *messages.Error values
// (not_found for a board the user is not a member of, forbidden, validation...), or anything
// else for internal failures.
type Boards interface {
	// Do sends a command to its board and waits for the result.
	Do(ctx context.Context, cmd messages.Command) (messages.Result, error)
	// Subscribe opens a subscription; the caller must Unsubscribe it once done.
	Subscribe(ctx context.Context, s messages.Subscribe) (*messages.Subscription, error)
	// Replayed returns the first answer to a mutation whose id (Meta.MutationID) was already
	// used for the same request (Meta.Fingerprint), or a conflict if it was used for another.
	Replayed(ctx context.Context, m messages.Meta) (res messages.Result, found bool, err error)
	// Unsubscribe ends a subscription; it is safe after the board closed it.
	Unsubscribe(sub *messages.Subscription)
	// CreateBoard creates a board owned by the caller.
	CreateBoard(ctx context.Context, c messages.CreateBoard) (messages.Board, error)
	// ListBoards lists the boards a user is a member of.
	ListBoards(ctx context.Context, userID string) ([]messages.Board, error)
	// BoardOfTask and BoardOfList find the board holding a task or list (not_found if none).
	BoardOfTask(ctx context.Context, taskID string) (string, error)
	BoardOfList(ctx context.Context, listID string) (string, error)
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
	// Logout ends the session, or revokes the API token, of token.
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
