package messages

// Meta travels on every command: who asks, the trace id of the request that caused it, and
// the client's mutation id (Idempotency-Key or clientMutationId), if any.
type Meta struct {
	UserID     string `json:"-"`
	RequestID  string `json:"-"`
	MutationID string `json:"clientMutationId,omitempty"`
}

// Trace returns m; it lets code read the Meta of any command.
func (m Meta) Trace() Meta { return m }

// Command is a message for one board actor.
type Command interface {
	Trace() Meta
	Board() string
}

// Mutation is a command that changes something, and so may carry a mutation id. Fingerprint
// names what it changes, whatever the transport (such as "delete_task task-1"): a retry with
// the same mutation id and fingerprint gets the first answer; the same id reused for another
// fingerprint is a conflict, not a replay.
type Mutation interface {
	Command
	Fingerprint() string
}

// Fingerprint implements Mutation.
func (c CreateBoard) Fingerprint() string { return "create_board" }

// Fingerprint implements Mutation.
func (c UpdateBoard) Fingerprint() string { return "update_board " + c.BoardID }

// Fingerprint implements Mutation.
func (c DeleteBoard) Fingerprint() string { return "delete_board " + c.BoardID }

// Fingerprint implements Mutation.
func (c CreateList) Fingerprint() string { return "create_list " + c.BoardID }

// Fingerprint implements Mutation.
func (c UpdateList) Fingerprint() string { return "update_list " + c.ListID }

// Fingerprint implements Mutation.
func (c DeleteList) Fingerprint() string { return "delete_list " + c.ListID }

// Fingerprint implements Mutation. Every creation of a task shares it, as every POST /tasks
// does: the list is body input, like the title.
func (c CreateTask) Fingerprint() string { return "create_task" }

// Fingerprint implements Mutation.
func (c UpdateTask) Fingerprint() string { return "update_task " + c.TaskID }

// Fingerprint implements Mutation.
func (c MoveTask) Fingerprint() string { return "move_task " + c.TaskID }

// Fingerprint implements Mutation.
func (c DeleteTask) Fingerprint() string { return "delete_task " + c.TaskID }

// Fingerprint implements Mutation.
func (c AddMember) Fingerprint() string { return "add_member " + c.BoardID }

// Fingerprint implements Mutation.
func (c UpdateMember) Fingerprint() string { return "update_member " + c.BoardID + " " + c.UserID }

// Fingerprint implements Mutation.
func (c RemoveMember) Fingerprint() string { return "remove_member " + c.BoardID + " " + c.UserID }

// Board implements Command. A new board has no board yet: Boards answers it.
func (c CreateBoard) Board() string { return "" }

// Board implements Command. Boards answers it from the store.
func (c ListBoards) Board() string { return "" }

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
	Board    *Board         `json:"board,omitempty"`
	Boards   []Board        `json:"boards,omitempty"`
	List     *List          `json:"list,omitempty"`
	Task     *Task          `json:"task,omitempty"`
	Snapshot *Snapshot      `json:"snapshot,omitempty"`
	Member   *Member        `json:"member,omitempty"`
	Members  []Member       `json:"members,omitempty"`
	Tasks    []Task         `json:"tasks,omitempty"`
	Label    *Label         `json:"label,omitempty"`
	Labels   []Label        `json:"labels,omitempty"`
	Item     *ChecklistItem `json:"item,omitempty"`
	Comment  *Comment       `json:"comment,omitempty"`
	Comments []Comment      `json:"comments,omitempty"`
	Hits     []SearchHit    `json:"hits,omitempty"`
	Activity *Activity      `json:"-"`
	// Next is where the next page of a paged answer starts; empty on the last page.
	Next string `json:"next,omitempty"`
	Seq  int64  `json:"seq"`
}
