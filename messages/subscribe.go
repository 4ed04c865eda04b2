package messages

// Subscribe asks a board for its events after After (nil: only those still to come). Needs
// role viewer. With Live false it only reads what is there, as a short poll does.
type Subscribe struct {
	Meta
	BoardID string
	After   *int64
	// Limit, when positive, bounds the replay to the Limit events after After, so that a poll
	// reads no more than it answers; the rest is for the next poll. Only a subscriber that
	// ends once it has a replay may set it: one that went on live would see a gap.
	Limit int
	Live  bool
	// Buffer bounds the live queue; a subscriber whose queue is full is dropped.
	Buffer int
	// Sink, when set, receives the live events in place of Subscription.Events (which is then
	// nil) and Buffer is unused: a WebSocket connection shares one bounded queue across the
	// boards it joined.
	Sink Sink
	// Room, with Sink and Live, also joins the board's room: the subscriber counts in presence
	// and receives room messages, and Subscription.Presence is what it sees first.
	Room bool
	// Rejoin marks a connection joining again after the board restarted: it was in the room
	// all along, so the others get a fresh presence but no user_joined.
	Rejoin bool
}

// Reasons a subscription ends, as Subscription.Err reports them.
const (
	EndUnsubscribed = "unsubscribed"
	EndSlow         = "slow"          // queue full: resume from the last seq received
	EndRestarted    = "board_restart" // the board restarted or stopped: subscribe again
	EndDeleted      = "board_deleted"
	EndRevoked      = "revoked" // membership removed
	EndShutdown     = "shutdown"
)

// Subscription is a live view of a board's events. Replay holds the events after the requested
// seq up to Seq, in order; Events then delivers every later event in order, with no gap, and is
// closed by the board when the subscription ends, after which Err says why. Resync is set when
// the requested seq is older than what is kept or ahead of the board: the client must reload
// the snapshot (Replay is then empty and Events starts after Seq).
type Subscription struct {
	ID      uint64
	BoardID string
	UserID  string
	Seq     int64
	Resync  bool
	Replay  []Encoded
	Events  <-chan *Encoded
	// Presence is the room's presence message for a room subscription, to be sent before the
	// replay: later room messages go to the Sink.
	Presence []byte
	err      *string
}

// NewSubscription is for board implementations: reason is written before events is closed.
func NewSubscription(id uint64, boardID, userID string, events <-chan *Encoded, reason *string) *Subscription {
	return &Subscription{ID: id, BoardID: boardID, UserID: userID, Events: events, err: reason}
}

// Err returns why the subscription ended. Call it only after Events is closed; a Sink learns
// it from End instead.
func (s *Subscription) Err() string {
	if s.err == nil {
		return ""
	}
	return *s.err
}
