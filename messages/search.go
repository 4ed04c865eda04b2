package messages

import (
	"encoding/json"
	"time"
)

// Finding tasks: by words (full-text search in the store), and by label, assignee, due date
// and whether they are archived (the board's state). Filters combine with AND.

// TaskFilter selects tasks; its zero value selects every live task.
type TaskFilter struct {
	// Q is words matched in titles, descriptions, checklist items and comments; the last
	// word matches as a prefix.
	Q string
	// Label is a label id; Assignee a user id or AssigneeNone; Due one of the Due values.
	Label    string
	Assignee string
	Due      string
	// Archived selects the archived tasks instead of the live ones.
	Archived bool
}

// The Assignee and Due values with a meaning of their own.
const (
	AssigneeNone = "none"
	DueOverdue   = "overdue"
	DueToday     = "today"
	DueWeek      = "week"
	DueNone      = "none"
)

// MaxQuery bounds a search's words, in bytes.
const MaxQuery = 500

// MaxTasksMatched bounds the tasks a board's search by words considers, best first.
const MaxTasksMatched = 1000

// Validate checks the filter's values.
func (f TaskFilter) Validate() error {
	if len(f.Q) > MaxQuery {
		return Errorf(CodeValidation, "q must be at most %d bytes", MaxQuery).Field("q", "length")
	}
	if err := checkText("q", f.Q, false); err != nil {
		return err
	}
	if f.Label != "" {
		if err := checkID("label", f.Label); err != nil {
			return err
		}
	}
	if f.Assignee != "" {
		if err := checkID("assignee", f.Assignee); err != nil {
			return err
		}
	}
	switch f.Due {
	case "", DueOverdue, DueToday, DueWeek, DueNone:
		return nil
	}
	return Errorf(CodeValidation, "due must be overdue, today, week or none").Field("due", "invalid")
}

// Matches reports whether t passes the filter's label, assignee, due and archived parts (not
// Q, which the store answers) at now. Today is the UTC day.
func (f TaskFilter) Matches(t Task, now time.Time) bool {
	if t.Archived() != f.Archived {
		return false
	}
	if f.Label != "" && !contains(t.LabelIDs, f.Label) {
		return false
	}
	switch f.Assignee {
	case "":
	case AssigneeNone:
		if len(t.AssigneeIDs) > 0 {
			return false
		}
	default:
		if !contains(t.AssigneeIDs, f.Assignee) {
			return false
		}
	}
	if f.Due == "" {
		return true
	}
	if t.DueAt == nil {
		return f.Due == DueNone
	}
	due := t.DueAt.Time
	switch f.Due {
	case DueOverdue:
		return due.Before(now)
	case DueToday:
		y, m, d := now.UTC().Date()
		start := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return !due.Before(start) && due.Before(start.AddDate(0, 0, 1))
	case DueWeek:
		return !due.Before(now) && due.Before(now.Add(7*24*time.Hour))
	}
	return false
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// ListTasks asks a board for its tasks that pass Filter, ordered by list position then task
// position (archived ones by when they were archived, newest first); with words, the best
// matches first. Needs role viewer.
type ListTasks struct {
	Meta
	BoardID string
	Filter  TaskFilter
}

// Validate checks the filter.
func (c ListTasks) Validate() error { return c.Filter.Validate() }

// Search asks for the tasks that pass Filter on every board the caller is a member of, best
// matches first, at most Limit (DefaultSearch when 0, at most MaxSearch).
type Search struct {
	Meta
	Filter TaskFilter
	Limit  int
}

// Validate checks the filter; a search needs words or a filter.
func (c Search) Validate() error {
	f := c.Filter
	if f.Q == "" && f.Label == "" && f.Assignee == "" && f.Due == "" && !f.Archived {
		return Errorf(CodeValidation, "give q or a filter").Field("q", "required")
	}
	return f.Validate()
}

// Sizes of a search's answer.
const (
	DefaultSearch = 50
	MaxSearch     = 200
)

// SearchHit is a task found by a search, with the board it is on.
type SearchHit struct {
	Task  Task     `json:"task"`
	Board BoardRef `json:"board"`
}

// BoardRef names a board.
type BoardRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// GetActivity asks for a board's durable events, newest first: at most Limit (DefaultPage
// when 0, at most MaxPage) with seq below Before (the newest when 0); only those about TaskID
// when it is set. Needs role viewer.
type GetActivity struct {
	Meta
	BoardID string
	TaskID  string
	Before  int64
	Limit   int
}

// Activity is a page of events, newest first, as stored; Next is the Before of the next
// page, 0 on the last.
type Activity struct {
	Events []json.RawMessage
	Next   int64
}

// Board implements Command. Boards answers it from the store.
func (c Search) Board() string { return "" }

// Board implements Command.
func (c ListTasks) Board() string { return c.BoardID }

// Board implements Command.
func (c GetActivity) Board() string { return c.BoardID }
