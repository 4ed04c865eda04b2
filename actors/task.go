package actors

import (
	"slices"
	"strings"

	"github.com/taskboard/taskboard/messages"
)

func (b *board) getTask(c messages.GetTask) (messages.Result, error) {
	if _, err := b.authorize(c.UserID, messages.RoleViewer); err != nil {
		return messages.Result{}, err
	}
	t, _, ok := b.st.find(c.TaskID)
	if !ok {
		return messages.Result{}, messages.NotFound("task")
	}
	return messages.Result{Task: &t, Seq: b.seq}, nil
}

// currentTask finds a task, live or archived (then its index is -1), and checks an If-Match
// version against it.
func (b *board) currentTask(id string, ifMatch *int) (messages.Task, int, error) {
	t, i, ok := b.st.find(id)
	if !ok {
		return t, i, messages.NotFound("task")
	}
	if ifMatch != nil && *ifMatch != t.Version {
		err := messages.Errorf(messages.CodePreconditionFailed, "the task changed since version %d", *ifMatch)
		err.Current = &t
		return t, i, err
	}
	return t, i, nil
}

// liveTask is currentTask for a change that needs the task in its list.
func (b *board) liveTask(id string, ifMatch *int) (messages.Task, int, error) {
	t, i, err := b.currentTask(id, ifMatch)
	if err == nil && t.Archived() {
		err = messages.Errorf(messages.CodeConflict, "the task is archived: restore it first")
	}
	return t, i, err
}

// checkAssignee reports a validation error unless id is absent or a member of the board.
func (b *board) checkAssignee(id *string) error {
	if id == nil {
		return nil
	}
	return b.checkAssignees("assigneeId", []string{*id})
}

func (b *board) checkAssignees(field string, ids []string) error {
	for _, id := range ids {
		if _, ok := b.st.members[id]; !ok {
			return messages.Errorf(messages.CodeValidation, "assignee %s is not a member of the board", id).Field(field, "not_member")
		}
	}
	return nil
}

func (b *board) checkLabels(ids []string) error {
	for _, id := range ids {
		if _, _, ok := b.st.label(id); !ok {
			return messages.Errorf(messages.CodeValidation, "label %s is not on this board", id).Field("labelIds", "not_found")
		}
	}
	return nil
}

// cardFields are the v2 fields of a task's creation or update, checked against the board.
type cardFields struct {
	v1Assignee       messages.Nullable
	assignees, label *[]string
	due              messages.Nullable
}

// applyTo checks the fields that are set and writes them into t.
func (f cardFields) applyTo(b *board, t *messages.Task) error {
	if f.v1Assignee.Set {
		if err := b.checkAssignee(f.v1Assignee.Value); err != nil {
			return err
		}
		t.SetAssignees(nil)
		if f.v1Assignee.Value != nil {
			t.SetAssignees([]string{*f.v1Assignee.Value})
		}
	}
	if f.assignees != nil {
		ids := messages.Distinct(*f.assignees)
		if err := b.checkAssignees("assigneeIds", ids); err != nil {
			return err
		}
		t.SetAssignees(ids)
	}
	if f.label != nil {
		ids := messages.Distinct(*f.label)
		if err := b.checkLabels(ids); err != nil {
			return err
		}
		t.LabelIDs = ids
	}
	if f.due.Set {
		due, err := messages.ParseDue(f.due)
		if err != nil {
			return err
		}
		t.DueAt = due
	}
	return nil
}

func (b *board) createTask(c messages.CreateTask) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	if _, _, ok := b.st.list(c.ListID); !ok {
		return messages.Result{}, messages.Errorf(messages.CodeValidation, "list is not on this board").Field("listId", "not_found")
	}
	if b.st.taskCount() >= b.opts.MaxTasks {
		return messages.Result{}, overQuota("tasks", b.opts.MaxTasks)
	}
	now := b.now()
	t := messages.Task{
		ID: newID("task"), BoardID: b.id, ListID: c.ListID, Title: strings.TrimSpace(c.Title),
		Description: c.Description, AssigneeIDs: []string{}, LabelIDs: []string{}, Checklist: []messages.ChecklistItem{},
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	v1 := messages.Nullable{Set: c.AssigneeID != nil, Value: c.AssigneeID}
	if err := (cardFields{v1, c.AssigneeIDs, c.LabelIDs, c.DueAt}).applyTo(b, &t); err != nil {
		return messages.Result{}, err
	}
	at := clamp(c.Position, len(b.st.tasks[c.ListID]))
	rows := b.st.planInsert(t, c.ListID, at)
	t = rows[0]
	return b.commit(c, messages.Event{Type: messages.TaskCreated, Task: &t},
		messages.Change{PutTasks: rows}, messages.Result{Task: &t},
		func() { b.st.insertSlot(c.ListID, at); b.st.place(rows) })
}

func (b *board) updateTask(c messages.UpdateTask) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	t, _, err := b.currentTask(c.TaskID, c.IfMatch)
	if err != nil {
		return messages.Result{}, err
	}
	next := t
	if c.Title.Set {
		next.Title = strings.TrimSpace(*c.Title.Value)
	}
	if c.Description.Set {
		next.Description = c.Description.Value
	}
	if err := (cardFields{c.AssigneeID, c.AssigneeIDs, c.LabelIDs, c.DueAt}).applyTo(b, &next); err != nil {
		return messages.Result{}, err
	}
	if sameContent(t, next) {
		return messages.Result{Task: &t, Seq: b.seq}, nil
	}
	return b.changeTask(c, next)
}

// changeTask commits next, a new content of a live or archived task, as task_updated, and
// answers it.
func (b *board) changeTask(m messages.Mutation, next messages.Task) (messages.Result, error) {
	return b.commitTask(m, next, func(t *messages.Task) messages.Result { return messages.Result{Task: t} })
}

// commitTask is changeTask with the answer made from the committed task.
func (b *board) commitTask(m messages.Mutation, next messages.Task, answer func(*messages.Task) messages.Result) (messages.Result, error) {
	next = bump(next, b.now())
	return b.commit(m, messages.Event{Type: messages.TaskUpdated, Task: &next},
		messages.Change{PutTasks: []messages.Task{next}}, answer(&next),
		func() { b.st.replace(next) })
}

func sameContent(a, b messages.Task) bool {
	eq := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqTime := func(x, y *messages.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(y.Time)) }
	return a.Title == b.Title && eq(a.Description, b.Description) && slices.Equal(a.AssigneeIDs, b.AssigneeIDs) &&
		slices.Equal(a.LabelIDs, b.LabelIDs) && eqTime(a.DueAt, b.DueAt) && slices.Equal(a.Checklist, b.Checklist)
}

func (b *board) moveTask(c messages.MoveTask) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	t, from, err := b.liveTask(c.TaskID, c.IfMatch)
	if err != nil {
		return messages.Result{}, err
	}
	if _, _, ok := b.st.list(c.ListID); !ok {
		return messages.Result{}, messages.Errorf(messages.CodeValidation, "list is not on this board").Field("listId", "not_found")
	}
	fromList, fromPos := t.ListID, t.Position
	moved := bump(t, b.now())
	var rows []messages.Task
	var apply func()
	if c.ListID == fromList {
		to := min(*c.Position, len(b.st.tasks[fromList])-1)
		rows = b.st.planMoveWithin(moved, from, to)
		apply = func() { b.st.place(rows) }
	} else {
		to := clamp(c.Position, len(b.st.tasks[c.ListID]))
		src := b.st.planRemove(fromList, from)
		dst := b.st.planInsert(moved, c.ListID, to)
		rows = append(src, dst...)
		apply = func() {
			b.st.deleteSlot(fromList, from)
			b.st.place(src)
			b.st.insertSlot(c.ListID, to)
			b.st.place(dst)
		}
	}
	for _, r := range rows {
		if r.ID == t.ID {
			moved = r
		}
	}
	return b.commit(c, messages.Event{Type: messages.TaskMoved, Task: &moved, FromListID: fromList, FromPosition: &fromPos},
		messages.Change{PutTasks: rows}, messages.Result{Task: &moved}, apply)
}

// bump records a change of t: a new version and update time.
func bump(t messages.Task, now messages.Time) messages.Task {
	t.Version++
	t.UpdatedAt = now
	return t
}

func (b *board) deleteTask(c messages.DeleteTask) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	t, i, err := b.currentTask(c.TaskID, c.IfMatch)
	if err != nil {
		return messages.Result{}, err
	}
	if t.Archived() {
		return b.commit(c, messages.Event{Type: messages.TaskDeleted, TaskID: t.ID, ListID: t.ListID},
			messages.Change{DeleteTasks: []string{t.ID}}, messages.Result{},
			func() { delete(b.st.archived, t.ID) })
	}
	rows := b.st.planRemove(t.ListID, i)
	return b.commit(c, messages.Event{Type: messages.TaskDeleted, TaskID: t.ID, ListID: t.ListID},
		messages.Change{PutTasks: rows, DeleteTasks: []string{t.ID}}, messages.Result{},
		func() { b.st.deleteSlot(t.ListID, i); b.st.place(rows); delete(b.st.taskList, t.ID) })
}
