package messages

import (
	"strings"
	"unicode/utf8"
)

// Task is a card on a list. Version starts at 1 and grows with every change of the task;
// Position is its 0-based index inside its list.
type Task struct {
	ID          string  `json:"id"`
	BoardID     string  `json:"boardId"`
	ListID      string  `json:"listId"`
	Title       string  `json:"title"`
	Description *string `json:"description"`
	AssigneeID  *string `json:"assigneeId"`
	Position    int     `json:"position"`
	Version     int     `json:"version"`
	CreatedAt   Time    `json:"createdAt"`
	UpdatedAt   Time    `json:"updatedAt"`
}

// Limits of task fields, in characters: a title's after trimming, a description's as written.
const (
	MaxTitle       = 200
	MaxDescription = 10000
)

// GetTask asks a board for one of its tasks. Needs role viewer.
type GetTask struct {
	Meta
	BoardID string
	TaskID  string
}

// CreateTask adds a task to ListID at Position (the end when absent or too large). Needs role
// editor. Emits task_created.
type CreateTask struct {
	Meta
	BoardID     string
	ListID      string  `json:"listId"`
	Title       string  `json:"title"`
	Description *string `json:"description"`
	AssigneeID  *string `json:"assigneeId"`
	Position    *int    `json:"position"`
}

// Validate checks the fields without looking at board state.
func (c CreateTask) Validate() error {
	if c.ListID == "" {
		return Errorf(CodeValidation, "listId is required").Field("listId", "required")
	}
	if err := checkID("listId", c.ListID); err != nil {
		return err
	}
	if err := validateTitle(c.Title); err != nil {
		return err
	}
	if err := validateDescription(c.Description); err != nil {
		return err
	}
	if err := validateAssignee(c.AssigneeID); err != nil {
		return err
	}
	return validatePosition(c.Position)
}

// UpdateTask changes a task's title, description or assignee; absent fields stay, null clears.
// IfMatch, when set, must equal the task's version. Needs role editor. Emits task_updated.
type UpdateTask struct {
	Meta
	BoardID     string
	TaskID      string
	Title       Nullable `json:"title"`
	Description Nullable `json:"description"`
	AssigneeID  Nullable `json:"assigneeId"`
	IfMatch     *int     `json:"-"`
}

// Validate checks the fields that are present.
func (c UpdateTask) Validate() error {
	if c.Title.Set {
		if c.Title.Value == nil {
			return Errorf(CodeValidation, "title cannot be null").Field("title", "required")
		}
		if err := validateTitle(*c.Title.Value); err != nil {
			return err
		}
	}
	if err := validateDescription(c.Description.Value); err != nil {
		return err
	}
	return validateAssignee(c.AssigneeID.Value)
}

// MoveTask moves a task to Position in ListID, which may be its own list. Needs role editor.
// Emits task_moved.
type MoveTask struct {
	Meta
	BoardID  string
	TaskID   string
	ListID   string `json:"listId"`
	Position *int   `json:"position"`
	IfMatch  *int   `json:"-"`
}

// Validate checks the destination.
func (c MoveTask) Validate() error {
	if c.ListID == "" {
		return Errorf(CodeValidation, "listId is required").Field("listId", "required")
	}
	if err := checkID("listId", c.ListID); err != nil {
		return err
	}
	if c.Position == nil {
		return Errorf(CodeValidation, "position is required").Field("position", "required")
	}
	return validatePosition(c.Position)
}

// DeleteTask deletes a task. Needs role editor. Emits task_deleted.
type DeleteTask struct {
	Meta
	BoardID string
	TaskID  string
	IfMatch *int `json:"-"`
}

// validateTitle checks a title as it is stored: trimmed.
func validateTitle(title string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(title))
	switch {
	case n == 0:
		return Errorf(CodeValidation, "title is required").Field("title", "required")
	case n > MaxTitle:
		return Errorf(CodeValidation, "title must be at most %d characters", MaxTitle).Field("title", "length")
	}
	return checkText("title", title, false)
}

// validateDescription checks a description as it is stored: as written, every character
// counted, since whitespace is part of Markdown.
func validateDescription(d *string) error {
	if d == nil {
		return nil
	}
	if utf8.RuneCountInString(*d) > MaxDescription {
		return Errorf(CodeValidation, "description must be at most %d characters", MaxDescription).Field("description", "length")
	}
	return checkText("description", *d, true)
}

func validateAssignee(id *string) error {
	if id == nil {
		return nil
	}
	return checkID("assigneeId", *id)
}
