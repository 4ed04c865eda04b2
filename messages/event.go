package messages

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// EventType names a board event.
type EventType string

// The durable board event types.
const (
	TaskCreated   EventType = "task_created"
	TaskUpdated   EventType = "task_updated"
	TaskMoved     EventType = "task_moved"
	TaskDeleted   EventType = "task_deleted"
	ListCreated   EventType = "list_created"
	ListUpdated   EventType = "list_updated"
	ListDeleted   EventType = "list_deleted"
	BoardUpdated  EventType = "board_updated"
	BoardDeleted  EventType = "board_deleted"
	MemberAdded   EventType = "member_added"
	MemberRemoved EventType = "member_removed"

	LabelCreated   EventType = "label_created"
	LabelUpdated   EventType = "label_updated"
	LabelDeleted   EventType = "label_deleted"
	TaskArchived   EventType = "task_archived"
	TaskRestored   EventType = "task_restored"
	CommentAdded   EventType = "comment_added"
	CommentUpdated EventType = "comment_updated"
	CommentDeleted EventType = "comment_deleted"
)

// Event is one change of a board, numbered by the board's Seq. Only the payload fields of its
// Type are set.
type Event struct {
	Type             EventType `json:"type"`
	BoardID          string    `json:"boardId"`
	Seq              int64     `json:"seq"`
	At               Time      `json:"at"`
	ActorID          string    `json:"actorId"`
	RequestID        string    `json:"requestId,omitempty"`
	ClientMutationID string    `json:"clientMutationId,omitempty"`

	Task         *Task   `json:"task,omitempty"`
	List         *List   `json:"list,omitempty"`
	Board        *Board  `json:"board,omitempty"`
	Member       *Member `json:"member,omitempty"`
	TaskID       string  `json:"taskId,omitempty"`
	ListID       string  `json:"listId,omitempty"`
	UserID       string  `json:"userId,omitempty"`
	FromListID   string  `json:"fromListId,omitempty"`
	FromPosition *int    `json:"fromPosition,omitempty"`

	Label     *Label   `json:"label,omitempty"`
	LabelID   string   `json:"labelId,omitempty"`
	TaskIDs   []string `json:"taskIds,omitempty"`
	Comment   *Comment `json:"comment,omitempty"`
	CommentID string   `json:"commentId,omitempty"`
}

// About returns the task an event is about, if one: what a task's activity is read by.
func (e Event) About() string {
	switch {
	case e.Task != nil:
		return e.Task.ID
	case e.Comment != nil:
		return e.Comment.TaskID
	}
	return e.TaskID
}

// Encoded is an event encoded once: its JSON and its SSE frame. The byte slices are shared by
// every subscriber and must never be modified.
type Encoded struct {
	Seq       int64
	Type      EventType
	RequestID string
	JSON      []byte
	SSE       []byte
	// Committed is when the board committed the event, set on live deliveries only (zero for
	// events replayed from memory or the database), so that gateways can measure how long an
	// event takes to reach a connection.
	Committed time.Time
}

// Encode encodes e into its shared wire forms.
func Encode(e Event) (Encoded, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return Encoded{}, err
	}
	return NewEncoded(e.Seq, e.Type, e.RequestID, data), nil
}

// NewEncoded wraps an event's JSON, as stored, with its SSE frame.
func NewEncoded(seq int64, typ EventType, requestID string, data []byte) Encoded {
	id := strconv.FormatInt(seq, 10)
	frame := make([]byte, 0, len(data)+len(typ)+len(id)+20)
	frame = append(frame, "id: "...)
	frame = append(frame, id...)
	frame = append(frame, "\nevent: "...)
	frame = append(frame, typ...)
	frame = append(frame, "\ndata: "...)
	frame = append(frame, data...)
	frame = append(frame, "\n\n"...)
	return Encoded{Seq: seq, Type: typ, RequestID: requestID, JSON: data, SSE: frame}
}

// Change is what a board commits in one transaction: the rows a command changed, the event
// it emits (whose Seq becomes the board's seq) and, for a command with a mutation id, the
// result an idempotent retry gets back.
type Change struct {
	BoardID     string
	Event       Event
	Encoded     Encoded
	Board       *Board // new name
	DeleteBoard bool
	PutLists    []List // inserted or updated (name, position)
	DeleteLists []string
	PutTasks    []Task // inserted or updated (every column)
	DeleteTasks []string
	Idempotency *Idempotency
	// PruneBefore, when positive, deletes the board's events with a smaller seq.
	PruneBefore int64
	// PutMembers are memberships inserted or updated (role); DeleteMembers are the user ids
	// whose membership ends.
	PutMembers    []Member
	DeleteMembers []string
	// Labels and comments inserted or updated, and deleted by id.
	PutLabels      []Label
	DeleteLabels   []string
	PutComments    []Comment
	DeleteComments []string
}

// Idempotency records the first answer to a user's mutation id.
type Idempotency struct {
	UserID string
	Key    string
	Result []byte // JSON of a Replay
}

// Replay is what an idempotency record holds: the request the mutation id was first used for
// and the answer it got.
type Replay struct {
	Fingerprint string `json:"fingerprint"`
	Result      Result `json:"result"`
}

// Hold is a board's write lock in a database that several nodes write: taken before a change
// is planned, so that the change is planned on the board's current state, and given back by
// committing the change or releasing it.
type Hold interface {
	// Commit applies changes, in order, and releases the hold. On error nothing is applied.
	Commit(ctx context.Context, changes ...Change) error
	// Release gives the hold back without a change.
	Release()
}

// ErrBehind is a store's answer when the events a board missed are no longer all kept
// (pruned, or too many to replay): the board must reload its state instead.
var ErrBehind = errors.New("the board's missed events are no longer all kept: reload it")
