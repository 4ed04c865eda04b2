package messages

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Task is a card on a list. Version starts at 1 and grows with every change of the task, its
// checklist, labels or comment count; Position is its 0-based index inside its list. An
// archived task (ArchivedAt set) is out of its list: ListID is the list it left, and
// Position where it was.
type Task struct {
	ID          string  `json:"id"`
	BoardID     string  `json:"boardId"`
	ListID      string  `json:"listId"`
	Title       string  `json:"title"`
	Description *string `json:"description"`
	// AssigneeID is the v1 field: AssigneeIDs[0], or nil.
	AssigneeID   *string         `json:"assigneeId"`
	AssigneeIDs  []string        `json:"assigneeIds"`
	LabelIDs     []string        `json:"labelIds"`
	DueAt        *Time           `json:"dueAt"`
	Checklist    []ChecklistItem `json:"checklist"`
	CommentCount int             `json:"commentCount"`
	ArchivedAt   *Time           `json:"archivedAt"`
	Position     int             `json:"position"`
	Version      int             `json:"version"`
	CreatedAt    Time            `json:"createdAt"`
	UpdatedAt    Time            `json:"updatedAt"`
}

// Normalize makes the task's lists empty rather than nil, so that they encode as arrays, as
// the protocol has them: every task a board holds is normalized.
func (t *Task) Normalize() {
	if t.AssigneeIDs == nil {
		t.AssigneeIDs = []string{}
	}
	if t.LabelIDs == nil {
		t.LabelIDs = []string{}
	}
	if t.Checklist == nil {
		t.Checklist = []ChecklistItem{}
	}
}

// SetAssignees sets AssigneeIDs and the v1 AssigneeID that mirrors it.
func (t *Task) SetAssignees(ids []string) {
	if ids == nil {
		ids = []string{}
	}
	t.AssigneeIDs, t.AssigneeID = ids, nil
	if len(ids) > 0 {
		first := ids[0]
		t.AssigneeID = &first
	}
}

// Archived reports whether the task is archived.
func (t Task) Archived() bool { return t.ArchivedAt != nil }

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
	// The v2 fields, which a new task may have at once: as in UpdateTask.
	AssigneeIDs *[]string `json:"assigneeIds"`
	LabelIDs    *[]string `json:"labelIds"`
	DueAt       Nullable  `json:"dueAt"`
}

// Validate checks the fields without looking at board state.
func (c CreateTask) Validate() error {
	if err := validateCardFields(c.AssigneeID != nil, c.AssigneeIDs, c.LabelIDs, c.DueAt); err != nil {
		return err
	}
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

// UpdateTask changes a task's title, description, assignees, labels or due date; absent
// fields stay, null clears. AssigneeIDs and LabelIDs replace the task's whole set (duplicates
// ignored); AssigneeID replaces it with one user. IfMatch, when set, must equal the task's
// version. Needs role editor. Emits task_updated.
type UpdateTask struct {
	Meta
	BoardID     string
	TaskID      string
	Title       Nullable  `json:"title"`
	Description Nullable  `json:"description"`
	AssigneeID  Nullable  `json:"assigneeId"`
	AssigneeIDs *[]string `json:"assigneeIds"`
	LabelIDs    *[]string `json:"labelIds"`
	DueAt       Nullable  `json:"dueAt"`
	IfMatch     *int      `json:"-"`
}

// Validate checks the fields that are present.
func (c UpdateTask) Validate() error {
	if err := validateCardFields(c.AssigneeID.Set, c.AssigneeIDs, c.LabelIDs, c.DueAt); err != nil {
		return err
	}
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

// Limits of a card's sets.
const MaxAssignees = 20

// validateCardFields checks the v2 fields of a task's creation or update.
func validateCardFields(v1Assignee bool, assignees, labels *[]string, due Nullable) error {
	if v1Assignee && assignees != nil {
		return Errorf(CodeValidation, "give assigneeId or assigneeIds, not both").Field("assigneeIds", "conflict")
	}
	if assignees != nil {
		if len(Distinct(*assignees)) > MaxAssignees {
			return Errorf(CodeValidation, "a task has at most %d assignees", MaxAssignees).Field("assigneeIds", "length")
		}
		for _, id := range *assignees {
			if err := checkID("assigneeIds", id); err != nil {
				return err
			}
		}
	}
	if labels != nil {
		if len(Distinct(*labels)) > MaxLabels {
			return Errorf(CodeValidation, "a task has at most %d labels", MaxLabels).Field("labelIds", "length")
		}
		for _, id := range *labels {
			if err := checkID("labelIds", id); err != nil {
				return err
			}
		}
	}
	_, err := ParseDue(due)
	return err
}

// ParseDue reads a dueAt field: nil when absent or null, else an RFC 3339 time.
func ParseDue(due Nullable) (*Time, error) {
	if due.Value == nil {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *due.Value)
	if err != nil {
		return nil, Errorf(CodeValidation, "dueAt must be an RFC 3339 time or null").Field("dueAt", "format")
	}
	at := NewTime(t)
	return &at, nil
}

// Distinct returns ids without repeats, in the order each first appears.
func Distinct(ids []string) []string {
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
