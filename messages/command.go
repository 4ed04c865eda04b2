package messages

// Meta travels on every command: who asks, the trace id of the request that caused it, and
// the client's mutation id (Idempotency-Key or clientMutationId), if any. Fingerprint names
// the request a mutation id belongs to (such as "DELETE /tasks/task-1"): reusing the id for
// a different request is a conflict, not a replay.
type Meta struct {
	UserID      string `json:"-"`
	RequestID   string `json:"-"`
	MutationID  string `json:"clientMutationId,omitempty"`
	Fingerprint string `json:"-"`
}

// Trace returns m; it lets code read the Meta of any command.
func (m Meta) Trace() Meta { return m }

// Command is a message for one board actor.
type Command interface {
	Trace() Meta
	Board() string
}

// Board implements Command.
func (c GetSnapshot) Board() string { return c.BoardID }

// Board implements Command.
func (c UpdateBoard) Board() string { return c.BoardID }

// Board implements Command.
func (c DeleteBoard) Board() string { return c.BoardID }

// Board implements Command.
func (c CreateList) Board() string { return c.BoardID }

// Board implements Command.
func (c UpdateList) Board() string { return c.BoardID }

// Board implements Command.
func (c DeleteList) Board() string { return c.BoardID }

// Board implements Command.
func (c GetTask) Board() string { return c.BoardID }

// Board implements Command.
func (c GetList) Board() string { return c.BoardID }

// Board implements Command.
func (c CreateTask) Board() string { return c.BoardID }

// Board implements Command.
func (c UpdateTask) Board() string { return c.BoardID }

// Board implements Command.
func (c MoveTask) Board() string { return c.BoardID }

// Board implements Command.
func (c DeleteTask) Board() string { return c.BoardID }

// Board implements Command.
func (c Subscribe) Board() string { return c.BoardID }

// Board implements Command.
func (c ListMembers) Board() string { return c.BoardID }

// Board implements Command.
func (c AddMember) Board() string { return c.BoardID }

// Board implements Command.
func (c UpdateMember) Board() string { return c.BoardID }

// Board implements Command.
func (c RemoveMember) Board() string { return c.BoardID }

// Result is a board's answer to a command: the resource the command returns, if any, and the
// board's seq after it. It is also what an idempotent retry gets back.
type Result struct {
	Board    *Board    `json:"board,omitempty"`
	List     *List     `json:"list,omitempty"`
	Task     *Task     `json:"task,omitempty"`
	Snapshot *Snapshot `json:"snapshot,omitempty"`
	Member   *Member   `json:"member,omitempty"`
	Members  []Member  `json:"members,omitempty"`
	Seq      int64     `json:"seq"`
}
