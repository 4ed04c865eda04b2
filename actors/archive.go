package actors

import (
	"github.com/taskboard/taskboard/messages"
)

// archiveTask takes a live task out of its list, as a move out of the board would: the tasks
// after it move up. The task keeps its id, comments and history, and the list it left.
func (b *board) archiveTask(c messages.ArchiveTask) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	t, at, err := b.liveTask(c.TaskID, c.IfMatch)
	if err != nil {
		return messages.Result{}, err
	}
	now := b.now()
	archived := bump(t, now)
	archived.ArchivedAt = &now
	rows := b.st.planRemove(t.ListID, at)
	fromList, fromPos := t.ListID, t.Position
	return b.commit(c, messages.Event{Type: messages.TaskArchived, Task: &archived, FromListID: fromList, FromPosition: &fromPos},
		messages.Change{PutTasks: append(rows, archived)}, messages.Result{Task: &archived},
		func() { b.st.archive(archived, at, rows) })
}

// archive applies a task's archiving planned with planRemove.
func (s *state) archive(t messages.Task, at int, rows []messages.Task) {
	s.deleteSlot(t.ListID, at)
	s.place(rows)
	delete(s.taskList, t.ID)
	s.archived[t.ID] = t
}

// restoreTask puts an archived task back at the end of the list it left, or where ListID and
// Position say. The list it left being gone is a conflict; a ListID not on the board is a
// validation error, as for a move.
func (b *board) restoreTask(c messages.RestoreTask) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	t, _, err := b.currentTask(c.TaskID, c.IfMatch)
	if err != nil {
		return messages.Result{}, err
	}
	if !t.Archived() {
		return messages.Result{}, messages.Errorf(messages.CodeConflict, "the task is not archived")
	}
	listID := t.ListID
	if c.ListID != nil {
		listID = *c.ListID
		if _, _, ok := b.st.list(listID); !ok {
			return messages.Result{}, messages.Errorf(messages.CodeValidation, "list is not on this board").Field("listId", "not_found")
		}
	} else if _, _, ok := b.st.list(listID); !ok {
		return messages.Result{}, messages.Errorf(messages.CodeConflict, "the task's list was deleted: restore it into another list")
	}
	restored := bump(t, b.now())
	restored.ArchivedAt = nil
	at := clamp(c.Position, len(b.st.tasks[listID]))
	rows := b.st.planInsert(restored, listID, at)
	restored = rows[0]
	return b.commit(c, messages.Event{Type: messages.TaskRestored, Task: &restored},
		messages.Change{PutTasks: rows}, messages.Result{Task: &restored},
		func() {
			delete(b.st.archived, t.ID)
			b.st.insertSlot(listID, at)
			b.st.place(rows)
		})
}
