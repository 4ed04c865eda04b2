package messages

import "strings"

// ListMembers asks a board for its members. Needs role viewer.
type ListMembers struct {
	Meta
	BoardID string
}

// AddMember makes a user, named by UserID or else by Email, a member of a board with Role.
// Needs role owner. Emits member_added. An unknown user is a validation error on the field
// that named it; a user who is already a member is a conflict.
type AddMember struct {
	Meta
	BoardID string
	UserID  string `json:"userId"`
	Email   string `json:"email"`
	Role    Role   `json:"role"`
}

// Validate checks that exactly one of UserID and Email is given, and the role.
func (c AddMember) Validate() error {
	id, email := strings.TrimSpace(c.UserID), strings.TrimSpace(c.Email)
	switch {
	case id == "" && email == "":
		return Errorf(CodeValidation, "userId or email is required").Field("userId", "required")
	case id != "" && email != "":
		return Errorf(CodeValidation, "give userId or email, not both").Field("email", "conflict")
	case id != "":
		if err := checkID("userId", id); err != nil {
			return err
		}
	default:
		if err := checkText("email", email, false); err != nil {
			return err
		}
	}
	return validateRole(c.Role)
}

// UpdateMember changes a member's role. Needs role owner. Emits member_added carrying the
// member with the new role. Demoting the last owner is a conflict.
type UpdateMember struct {
	Meta
	BoardID string
	UserID  string
	Role    Role `json:"role"`
}

// Validate checks the role.
func (c UpdateMember) Validate() error { return validateRole(c.Role) }

// RemoveMember ends a user's membership of a board. Needs role owner, except for members
// leaving on their own (UserID is the caller), which any member may. Emits member_removed,
// then ends the removed user's subscriptions with EndRevoked. Removing the last owner is a
// conflict.
type RemoveMember struct {
	Meta
	BoardID string
	UserID  string
}

func validateRole(r Role) error {
	if r == "" {
		return Errorf(CodeValidation, "role is required").Field("role", "required")
	}
	if !r.Valid() {
		return Errorf(CodeValidation, "role must be viewer, editor or owner").Field("role", "invalid")
	}
	return nil
}
