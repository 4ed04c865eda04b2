package messages

import "time"

// A board's room is the set of WebSocket connections that joined it. Room messages are
// ephemeral: never persisted, never numbered in the board's seq (their Encoded.Seq is 0) and
// never sent to SSE or polling clients.

// The room message types, as they appear in the "type" field.
const (
	RoomPresence          EventType = "presence"
	RoomUserJoined        EventType = "user_joined"
	RoomUserLeft          EventType = "user_left"
	RoomUserTyping        EventType = "user_typing"
	RoomUserStoppedTyping EventType = "user_stopped_typing"
	RoomCursorMoved       EventType = "cursor"
)

// Room timings of the protocol.
const (
	// TypingTimeout is how long typing lasts without a refresh.
	TypingTimeout = 5 * time.Second
	// CursorInterval is the least time between two cursors of one connection: at most 20 per
	// second, extra ones coalesced, the latest winning.
	CursorInterval = 50 * time.Millisecond
)

// Viewer is one user in a room's presence; several connections of a user are one viewer.
type Viewer struct {
	UserID string `json:"userId"`
	Name   string `json:"name"`
}

// Presence lists a room's viewers, ordered by name, then id.
type Presence struct {
	Type    EventType `json:"type"`
	BoardID string    `json:"boardId"`
	Viewers []Viewer  `json:"viewers"`
}

// RoomUser is user_joined and user_left: a user's first connection joined, or its last left.
type RoomUser struct {
	Type    EventType `json:"type"`
	BoardID string    `json:"boardId"`
	UserID  string    `json:"userId"`
	Name    string    `json:"name"`
}

// RoomTyping is user_typing and user_stopped_typing. TaskID is null when the typing is on no
// task in particular.
type RoomTyping struct {
	RoomUser
	TaskID *string `json:"taskId"`
}

// RoomCursor is a member's pointer position, in the client's own coordinates.
type RoomCursor struct {
	RoomUser
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	TaskID *string `json:"taskId"`
}

// Sink receives a board's deliveries for one subscription in place of Subscription.Events:
// board events in seq order and, for a room member, room messages. The board calls it from
// its own goroutine, so neither method may block.
type Sink interface {
	// Deliver offers m, shared by every sink of the board and never to be modified. It reports
	// false when the sink is full: the board then ends the subscription with EndSlow.
	Deliver(m *Encoded) bool
	// End tells the sink that the board ended the subscription, for one of the End* reasons.
	// Nothing is delivered after it.
	End(reason string)
}

// Typing tells a board's room that the member behind Subscription types on TaskID (nil: no
// task in particular), or with Stop that it stopped. Typing lasts TypingTimeout unless
// refreshed. Needs role editor and a room subscription of the caller.
type Typing struct {
	Meta
	BoardID      string
	Subscription uint64
	TaskID       *string
	Stop         bool
}

// Cursor shows the pointer of the member behind Subscription to the rest of the room, at most
// once per CursorInterval (extra ones are coalesced, the latest winning). Needs role editor
// and a room subscription of the caller.
type Cursor struct {
	Meta
	BoardID      string
	Subscription uint64
	X, Y         float64
	TaskID       *string
}

// MaxCoordinate bounds a cursor's x and y, either way: CSS pixels from the top-left of a
// board's area (a pointer dragged past its edge is a little negative).
const MaxCoordinate = 1_000_000

// Validate checks that the position is a number near a board: within MaxCoordinate of its
// corner on both axes.
func (c Cursor) Validate() error {
	for _, v := range []struct {
		name string
		v    float64
	}{{"x", c.X}, {"y", c.Y}} {
		if !(v.v >= -MaxCoordinate && v.v <= MaxCoordinate) { // NaN fails too
			return Errorf(CodeValidation, "%s must be -%d to %d", v.name, MaxCoordinate, MaxCoordinate).Field(v.name, "range")
		}
	}
	return nil
}

// Board implements Command.
func (c Typing) Board() string { return c.BoardID }

// Board implements Command.
func (c Cursor) Board() string { return c.BoardID }
