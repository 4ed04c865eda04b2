package messages

import (
	"strings"
	"unicode/utf8"
)

// What a card holds besides its title and description: labels, a checklist, comments, a due
// date, several assignees, and whether it is archived.

// Label is a board's tag for tasks: a colour and a name, which may be empty.
type Label struct {
	ID      string `json:"id"`
	BoardID string `json:"boardId"`
	Name    string `json:"name"`
	Color   string `json:"color"`
}

// ChecklistItem is one line of a task's checklist; Position is its 0-based index.
type ChecklistItem struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Done     bool   `json:"done"`
	Position int    `json:"position"`
}

// Comment is a member's note on a task, in Markdown as written.
type Comment struct {
	ID        string `json:"id"`
	BoardID   string `json:"boardId"`
	TaskID    string `json:"taskId"`
	AuthorID  string `json:"authorId"`
	Body      string `json:"body"`
	CreatedAt Time   `json:"createdAt"`
	UpdatedAt Time   `json:"updatedAt"`
}

// Limits of what a card holds.
const (
	MaxLabels        = 100 // per board
	MaxLabelName     = 50
	MaxChecklist     = 200 // items per task
	MaxChecklistText = 500
	MaxComment       = 5000
)

// LabelColors are the colours a label may have.
var LabelColors = []string{"green", "yellow", "orange", "red", "purple", "blue", "sky", "lime", "pink", "gray"}

// ChecklistItemTask returns the task a checklist item belongs to: an item's id is its task's
// id, a dot and its own part, so that a path naming an item names its board too.
func ChecklistItemTask(itemID string) (string, bool) {
	i := strings.LastIndexByte(itemID, '.')
	if i <= 0 || i == len(itemID)-1 {
		return "", false
	}
	return itemID[:i], true
}

// ListLabels asks for a board's labels. Needs role viewer.
type ListLabels struct {
	Meta
	BoardID string
}

// CreateLabel adds a label to a board. Needs role editor. Emits label_created.
type CreateLabel struct {
	Meta
	BoardID string
	Name    string `json:"name"`
	Color   string `json:"color"`
}

// Validate checks the name and colour.
func (c CreateLabel) Validate() error {
	if err := validateLabelName(c.Name); err != nil {
		return err
	}
	return validateColor(c.Color)
}

// UpdateLabel renames or recolours a label; absent fields stay. Needs role editor. Emits
// label_updated.
type UpdateLabel struct {
	Meta
	BoardID string
	LabelID string
	Name    *string `json:"name"`
	Color   *string `json:"color"`
}

// Validate checks the fields that are present.
func (c UpdateLabel) Validate() error {
	if c.Name != nil {
		if err := validateLabelName(*c.Name); err != nil {
			return err
		}
	}
	if c.Color != nil {
		return validateColor(*c.Color)
	}
	return nil
}

// DeleteLabel deletes a label and takes it off every task in the same change. Needs role
// editor. Emits label_deleted.
type DeleteLabel struct {
	Meta
	BoardID string
	LabelID string
}

func validateLabelName(name string) error {
	if utf8.RuneCountInString(strings.TrimSpace(name)) > MaxLabelName {
		return Errorf(CodeValidation, "name must be at most %d characters", MaxLabelName).Field("name", "length")
	}
	return checkText("name", name, false)
}

func validateColor(color string) error {
	for _, c := range LabelColors {
		if c == color {
			return nil
		}
	}
	return Errorf(CodeValidation, "color must be one of %s", strings.Join(LabelColors, " ")).Field("color", "invalid")
}

// AddChecklistItem adds an item to a task's checklist at Position (the end when absent or
// too large). Needs role editor. Emits task_updated.
type AddChecklistItem struct {
	Meta
	BoardID  string
	TaskID   string
	Text     string `json:"text"`
	Position *int   `json:"position"`
	IfMatch  *int   `json:"-"`
}

// Validate checks the text and position.
func (c AddChecklistItem) Validate() error {
	if err := validateItemText(c.Text); err != nil {
		return err
	}
	return validatePosition(c.Position)
}

// UpdateChecklistItem renames, ticks or moves a checklist item; absent fields stay. Needs
// role editor. Emits task_updated.
type UpdateChecklistItem struct {
	Meta
	BoardID  string
	ItemID   string
	Text     *string `json:"text"`
	Done     *bool   `json:"done"`
	Position *int    `json:"position"`
	IfMatch  *int    `json:"-"`
}

// Validate checks the fields that are present.
func (c UpdateChecklistItem) Validate() error {
	if c.Text != nil {
		if err := validateItemText(*c.Text); err != nil {
			return err
		}
	}
	return validatePosition(c.Position)
}

// DeleteChecklistItem deletes a checklist item. Needs role editor. Emits task_updated.
type DeleteChecklistItem struct {
	Meta
	BoardID string
	ItemID  string
	IfMatch *int `json:"-"`
}

func validateItemText(text string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(text))
	switch {
	case n == 0:
		return Errorf(CodeValidation, "text is required").Field("text", "required")
	case n > MaxChecklistText:
		return Errorf(CodeValidation, "text must be at most %d characters", MaxChecklistText).Field("text", "length")
	}
	return checkText("text", text, false)
}

// ArchiveTask takes a task out of its list, keeping it with its comments and history. Needs
// role editor. Emits task_archived.
type ArchiveTask struct {
	Meta
	BoardID string
	TaskID  string
	IfMatch *int `json:"-"`
}

// RestoreTask puts an archived task back: at the end of the list it left, unless ListID or
// Position say otherwise. Needs role editor. Emits task_restored.
type RestoreTask struct {
	Meta
	BoardID  string
	TaskID   string
	ListID   *string `json:"listId"`
	Position *int    `json:"position"`
	IfMatch  *int    `json:"-"`
}

// Validate checks the destination, if given.
func (c RestoreTask) Validate() error {
	if c.ListID != nil {
		if err := checkID("listId", *c.ListID); err != nil {
			return err
		}
	}
	return validatePosition(c.Position)
}

// ListComments asks for a page of a task's comments: the newest Limit before the comment
// Before (the newest when empty), oldest first. Needs role viewer.
type ListComments struct {
	Meta
	BoardID string
	TaskID  string
	Before  string
	Limit   int
}

// AddComment adds a comment to a task. Needs role editor. Emits comment_added.
type AddComment struct {
	Meta
	BoardID string
	TaskID  string
	Body    string `json:"body"`
}

// Validate checks the body.
func (c AddComment) Validate() error { return validateComment(c.Body) }

// UpdateComment changes a comment's body. Only its author may. Emits comment_updated.
type UpdateComment struct {
	Meta
	BoardID   string
	CommentID string
	Body      string `json:"body"`
}

// Validate checks the body.
func (c UpdateComment) Validate() error { return validateComment(c.Body) }

// DeleteComment deletes a comment. Its author or a board owner may. Emits comment_deleted.
type DeleteComment struct {
	Meta
	BoardID   string
	CommentID string
}

func validateComment(body string) error {
	n := utf8.RuneCountInString(body)
	switch {
	case strings.TrimSpace(body) == "":
		return Errorf(CodeValidation, "body is required").Field("body", "required")
	case n > MaxComment:
		return Errorf(CodeValidation, "body must be at most %d characters", MaxComment).Field("body", "length")
	}
	return checkText("body", body, true)
}

// Fingerprint implements Mutation.
func (c CreateLabel) Fingerprint() string { return "create_label " + c.BoardID }

// Fingerprint implements Mutation.
func (c UpdateLabel) Fingerprint() string { return "update_label " + c.LabelID }

// Fingerprint implements Mutation.
func (c DeleteLabel) Fingerprint() string { return "delete_label " + c.LabelID }

// Fingerprint implements Mutation.
func (c AddChecklistItem) Fingerprint() string { return "add_checklist_item " + c.TaskID }

// Fingerprint implements Mutation.
func (c UpdateChecklistItem) Fingerprint() string { return "update_checklist_item " + c.ItemID }

// Fingerprint implements Mutation.
func (c DeleteChecklistItem) Fingerprint() string { return "delete_checklist_item " + c.ItemID }

// Fingerprint implements Mutation.
func (c ArchiveTask) Fingerprint() string { return "archive_task " + c.TaskID }

// Fingerprint implements Mutation.
func (c RestoreTask) Fingerprint() string { return "restore_task " + c.TaskID }

// Fingerprint implements Mutation.
func (c AddComment) Fingerprint() string { return "add_comment " + c.TaskID }

// Fingerprint implements Mutation.
func (c UpdateComment) Fingerprint() string { return "update_comment " + c.CommentID }

// Fingerprint implements Mutation.
func (c DeleteComment) Fingerprint() string { return "delete_comment " + c.CommentID }

// Board implements Command.
func (c ListLabels) Board() string { return c.BoardID }

// Board implements Command.
func (c CreateLabel) Board() string { return c.BoardID }

// Board implements Command.
func (c UpdateLabel) Board() string { return c.BoardID }

// Board implements Command.
func (c DeleteLabel) Board() string { return c.BoardID }

// Board implements Command.
func (c AddChecklistItem) Board() string { return c.BoardID }

// Board implements Command.
func (c UpdateChecklistItem) Board() string { return c.BoardID }

// Board implements Command.
func (c DeleteChecklistItem) Board() string { return c.BoardID }

// Board implements Command.
func (c ArchiveTask) Board() string { return c.BoardID }

// Board implements Command.
func (c RestoreTask) Board() string { return c.BoardID }

// Board implements Command.
func (c ListComments) Board() string { return c.BoardID }

// Board implements Command.
func (c AddComment) Board() string { return c.BoardID }

// Board implements Command.
func (c UpdateComment) Board() string { return c.BoardID }

// Board implements Command.
func (c DeleteComment) Board() string { return c.BoardID }
