package actors

import (
	"slices"

	"github.com/taskboard/taskboard/messages"
)

// state is a board's lists, tasks and labels in memory. Its methods that plan a change return
// new slices and never modify the state: the board applies a plan only after it is committed.
type state struct {
	board    messages.Board
	members  map[string]messages.Member
	lists    []messages.List            // ordered by position
	tasks    map[string][]messages.Task // list id → live tasks ordered by position
	taskList map[string]string          // live task id → list id
	archived map[string]messages.Task   // archived task id → task, out of every list
	labels   []messages.Label           // in the order they were made
}

func newState(s messages.BoardState) *state {
	st := &state{
		board:    s.Board,
		members:  make(map[string]messages.Member, len(s.Members)),
		lists:    slices.Clone(s.Lists),
		tasks:    make(map[string][]messages.Task, len(s.Lists)),
		taskList: make(map[string]string, len(s.Tasks)),
		archived: map[string]messages.Task{},
		labels:   slices.Clone(s.Labels),
	}
	for _, m := range s.Members {
		st.members[m.UserID] = m
	}
	for _, l := range st.lists {
		st.tasks[l.ID] = nil
	}
	for _, t := range s.Tasks {
		t.Normalize()
		if t.Archived() {
			st.archived[t.ID] = t
			continue
		}
		st.tasks[t.ListID] = append(st.tasks[t.ListID], t)
		st.taskList[t.ID] = t.ListID
	}
	return st
}

// find returns a task, live or archived; at is its index in its list, -1 when archived.
func (s *state) find(id string) (t messages.Task, at int, ok bool) {
	if t, ok := s.archived[id]; ok {
		return t, -1, true
	}
	return s.task(id)
}

// replace puts a changed task, live or archived, in the place it has.
func (s *state) replace(t messages.Task) {
	if t.Archived() {
		s.archived[t.ID] = t
		return
	}
	s.place([]messages.Task{t})
}

// label returns a label and its index.
func (s *state) label(id string) (messages.Label, int, bool) {
	for i, l := range s.labels {
		if l.ID == id {
			return l, i, true
		}
	}
	return messages.Label{}, -1, false
}

// taskCount is the number of tasks, live and archived, that the task quota counts.
func (s *state) taskCount() int { return len(s.taskList) + len(s.archived) }

func (s *state) list(id string) (messages.List, int, bool) {
	for i, l := range s.lists {
		if l.ID == id {
			return l, i, true
		}
	}
	return messages.List{}, -1, false
}

func (s *state) task(id string) (messages.Task, int, bool) {
	listID, ok := s.taskList[id]
	if !ok {
		return messages.Task{}, -1, false
	}
	for i, t := range s.tasks[listID] {
		if t.ID == id {
			return t, i, true
		}
	}
	return messages.Task{}, -1, false
}

// allTasks returns every live task ordered by list position, then task position.
func (s *state) allTasks() []messages.Task {
	out := make([]messages.Task, 0, len(s.taskList))
	for _, l := range s.lists {
		out = append(out, s.tasks[l.ID]...)
	}
	return out
}

// clamp returns the index a new element takes in a sequence of n: p, or the end when p is
// absent or too large.
func clamp(p *int, n int) int {
	if p == nil || *p > n {
		return n
	}
	return *p
}

// shifted returns copies of ts[from:to] with their positions moved by delta.
func shifted(ts []messages.Task, from, to, delta int) []messages.Task {
	out := make([]messages.Task, 0, to-from+1)
	for _, t := range ts[from:to] {
		t.Position += delta
		out = append(out, t)
	}
	return out
}

// The plan methods return the rows a change writes, positions renumbered, without touching
// the state; the board applies them once committed. They copy only the affected rows, so that
// adding to the end of a long list costs one row.

// planInsert plans t's insertion at index at of list listID.
func (s *state) planInsert(t messages.Task, listID string, at int) []messages.Task {
	cur := s.tasks[listID]
	t.ListID, t.Position = listID, at
	return append([]messages.Task{t}, shifted(cur, at, len(cur), 1)...)
}

// planRemove plans the removal of the task at index at of list listID.
func (s *state) planRemove(listID string, at int) []messages.Task {
	cur := s.tasks[listID]
	return shifted(cur, at+1, len(cur), -1)
}

// planMoveWithin plans moving the task at index from to index to of the same list, where it
// becomes moved.
func (s *state) planMoveWithin(moved messages.Task, from, to int) []messages.Task {
	cur := s.tasks[moved.ListID]
	moved.Position = to
	if from < to {
		return append(shifted(cur, from+1, to+1, -1), moved)
	}
	return append([]messages.Task{moved}, shifted(cur, to, from, 1)...)
}

// insertSlot and deleteSlot open or close a place in a list; place then fills places with
// planned rows.
func (s *state) insertSlot(listID string, at int) {
	s.tasks[listID] = slices.Insert(s.tasks[listID], at, messages.Task{})
}

func (s *state) deleteSlot(listID string, at int) {
	s.tasks[listID] = slices.Delete(s.tasks[listID], at, at+1)
}

func (s *state) place(rows []messages.Task) {
	for _, t := range rows {
		s.tasks[t.ListID][t.Position] = t
		s.taskList[t.ID] = t.ListID
	}
}

// renumberLists sets list positions 0..n-1 from index from on and returns the changed lists.
func renumberLists(ls []messages.List, from int) []messages.List {
	for i := from; i < len(ls); i++ {
		ls[i].Position = i
	}
	return slices.Clone(ls[from:])
}
