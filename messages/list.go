package messages

import (
	"strings"
	"unicode/utf8"
)

// List is a column of a board. Position is its 0-based index among the board's lists.
type List struct {
	ID        string `json:"id"`
	BoardID   string `json:"boardId"`
	Name      string `json:"name"`
	Position  int    `json:"position"`
	CreatedAt Time   `json:"-"`
}

// GetList asks a board for one of its lists. Needs role viewer.
type GetList struct {
	Meta
	BoardID string
	ListID  string
}

// CreateList adds a list at Position (the end when absent or too large). Needs role editor.
// Emits list_created.
type CreateList struct {
	Meta
	BoardID  string
	Name     string `json:"name"`
	Position *int   `json:"position"`
}

// Validate checks the name and position.
func (c CreateList) Validate() error {
	if err := validateName(c.Name); err != nil {
		return err
	}
	return validatePosition(c.Position)
}

// UpdateList renames or moves a list. Needs role editor. Emits list_updated.
type UpdateList struct {
	Meta
	BoardID  string
	ListID   string
	Name     *string `json:"name"`
	Position *int    `json:"position"`
}

// Validate checks the fields that are present.
func (c UpdateList) Validate() error {
	if c.Name != nil {
		if err := validateName(*c.Name); err != nil {
			return err
		}
	}
	return validatePosition(c.Position)
}

// DeleteList deletes a list and its tasks. Needs role editor. Emits list_deleted.
type DeleteList struct {
	Meta
	BoardID string
	ListID  string
}

func validateName(name string) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(name)); n == 0 || n > 100 {
		reason := "length"
		if n == 0 {
			reason = "required"
		}
		return Errorf(CodeValidation, "name must be 1 to 100 characters").Field("name", reason)
	}
	return checkText("name", name, false)
}

func validatePosition(p *int) error {
	if p != nil && *p < 0 {
		return Errorf(CodeValidation, "position must be 0 or more").Field("position", "min")
	}
	return nil
}
