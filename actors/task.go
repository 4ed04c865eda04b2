package actors

import (
	"strings"

	"github.com/taskboard/taskboard/messages"
)

func (b *board) getTask(c messages.GetTask) (messages.Result, error) {
	if _, err := b.authorize(c.UserID, messages.RoleViewer); err != nil {
		return messages.Result{}, err
	}
	t, _, ok := b.st.task(c.TaskID)
	if !ok {
		return messages.Result{}, messages.NotFound("task")
	}
	return messages.Result{Task: &t, Seq: b.seq}, nil
}

// currentTask finds a task and checks an If-Match version against it.
func (b *board) currentTask(id string, ifMatch *int) (messages.Task, int, error) {
	t, i, ok := b.st.task(id)
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

// checkAssignee reports a validation error unless id is absent or a member of the board.
func (b *board) checkAssignee(id *string) error {
	if id == nil {
		return nil
	}
	if _, ok := b.st.members[*id]; !ok {
		return messages.Errorf(messages.CodeValidation, "assignee must be a member of the board").Field("assigneeId", "not_member")
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
	if err := b.checkAssignee(c.AssigneeID); err != nil {
		return messages.Result{}, err
	}
	if len(b.st.taskList) >= b.opts.MaxTasks {
		return messages.Result{}, overQuota("tasks", b.opts.MaxTasks)
	}
	now := b.now()
	t := messages.Task{
		ID: newID("task"), BoardID: b.id, ListID: c.ListID, Title: strings.TrimSpace(c.Title),
		Description: c.Description, AssigneeID: c.AssigneeID, Version: 1, CreatedAt: now, UpdatedAt: now,
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
	if c.AssigneeID.Set {
		if err := b.checkAssignee(c.AssigneeID.Value); err != nil {
			return messages.Result{}, err
		}
	}
	next := t
	if c.Title.Set {
		next.Title = strings.TrimSpace(*c.Title.Value)
	}
	if c.Description.Set {
		next.Description = c.Description.Value
	}
	if c.AssigneeID.Set {
		next.AssigneeID = c.AssigneeID.Value
	}
	if sameContent(t, next) {
		return messages.Result{Task: &t, Seq: b.seq}, nil
	}
	next.Version++
	next.UpdatedAt = b.now()
	return b.commit(c, messages.Event{Type: messages.TaskUpdated, Task: &next},
		messages.Change{PutTasks: []messages.Task{next}}, messages.Result{Task: &next},
		func() { b.st.place([]messages.Task{next}) })
}

func sameContent(a, b messages.Task) bool {
	eq := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Title == b.Title && eq(a.Description, b.Description) && eq(a.AssigneeID, b.AssigneeID)
}

func (b *board) moveTask(c messages.MoveTask) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	t, from, err := b.currentTask(c.TaskID, c.IfMatch)
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
	rows := b.st.planRemove(t.ListID, i)
	return b.commit(c, messages.Event{Type: messages.TaskDeleted, TaskID: t.ID, ListID: t.ListID},
		messages.Change{PutTasks: rows, DeleteTasks: []string{t.ID}}, messages.Result{},
		func() { b.st.deleteSlot(t.ListID, i); b.st.place(rows); delete(b.st.taskList, t.ID) })
}
