package messages

// Board is a board as a member sees it: Role is the caller's role on it.
type Board struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt Time   `json:"createdAt"`
	Role      Role   `json:"role,omitempty"`
}

// Snapshot is a board's full state at one instant, lists by position and tasks by list
// position, then task position. Seq is the number of the last event folded into it: a client
// that then streams from Seq misses nothing and sees nothing twice.
type Snapshot struct {
	Board  Board   `json:"board"`
	Lists  []List  `json:"lists"`
	Tasks  []Task  `json:"tasks"`
	Labels []Label `json:"labels"`
	Seq    int64   `json:"seq"`
}

// BoardState is what a board actor loads when it starts.
type BoardState struct {
	Board   Board
	Members []Member
	Lists   []List // ordered by position
	Tasks   []Task // ordered by list position, then task position; the archived ones last
	Labels  []Label
	Seq     int64 // the board's last event number
	// FirstSeq is the oldest event still kept (Seq+1 when none is): resuming after any seq
	// from FirstSeq-1 to Seq is possible.
	FirstSeq int64
	Recent   []Encoded // the newest events, oldest first
}

// NewBoard is everything needed to create a board: the board, its first lists, its owner
// and, for a request with a mutation id, the answer a retry gets.
type NewBoard struct {
	Board       Board
	Lists       []List
	OwnerID     string
	Idempotency *Idempotency
}

// CreateBoard asks for a new board owned by the caller, with the lists To Do, In Progress and
// Done.
type CreateBoard struct {
	Meta
	Name string `json:"name"`
}

// Validate checks the name.
func (c CreateBoard) Validate() error { return validateName(c.Name) }

// ListBoards asks for a page of the boards a user is a member of, with the user's role on
// each, oldest first: at most Limit (DefaultPage when 0, at most MaxPage), after the board
// whose id is After.
type ListBoards struct {
	Meta
	After string
	Limit int
}

// Page sizes of lists a client reads in pages.
const (
	DefaultPage = 200
	MaxPage     = 1000
)

// GetSnapshot asks a board for its Snapshot. Needs role viewer.
type GetSnapshot struct {
	Meta
	BoardID string
}

// UpdateBoard renames a board. Needs role owner. Emits board_updated.
type UpdateBoard struct {
	Meta
	BoardID string
	Name    string `json:"name"`
}

// Validate checks the name.
func (c UpdateBoard) Validate() error { return validateName(c.Name) }

// DeleteBoard deletes a board and everything on it. Needs role owner. Emits board_deleted,
// then ends every subscription.
type DeleteBoard struct {
	Meta
	BoardID string
}
