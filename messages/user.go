package messages

// User is an account as the protocol shows it.
type User struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Session is the answer to a successful login or registration: a bearer token for the user,
// valid until ExpiresAt.
type Session struct {
	Token     string `json:"token"`
	User      User   `json:"user"`
	ExpiresAt Time   `json:"expiresAt"`
}

// Role is a member's role on a board.
type Role string

// The roles, from least to most powerful.
const (
	RoleViewer Role = "viewer"
	RoleEditor Role = "editor"
	RoleOwner  Role = "owner"
)

func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleEditor:
		return 2
	case RoleOwner:
		return 3
	}
	return 0
}

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// Allows reports whether a member with role r may do what needs role need.
func (r Role) Allows(need Role) bool { return r.rank() >= need.rank() && r.Valid() }

// Member is a user's membership of a board.
type Member struct {
	UserID string `json:"userId"`
	Name   string `json:"name"`
	Email  string `json:"email,omitempty"`
	Role   Role   `json:"role"`
}
