package actors

import (
	"crypto/rand"
	"encoding/base32"
	"slices"
	"strings"

	"github.com/taskboard/taskboard/messages"
)

// A checklist lives in its task: every change of an item is a task_updated of the task, and
// an item's id starts with its task's (messages.ChecklistItemTask).

func (b *board) addChecklistItem(c messages.AddChecklistItem) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	t, _, err := b.currentTask(c.TaskID, c.IfMatch)
	if err != nil {
		return messages.Result{}, err
	}
	if len(t.Checklist) >= messages.MaxChecklist {
		return messages.Result{}, messages.Errorf(messages.CodeConflict,
			"a checklist has at most %d items", messages.MaxChecklist)
	}
	item := messages.ChecklistItem{ID: newItemID(t), Text: strings.TrimSpace(c.Text)}
	at := clamp(c.Position, len(t.Checklist))
	next := t
	next.Checklist = renumberItems(slices.Insert(slices.Clone(t.Checklist), at, item))
	item.Position = at
	return b.changeChecklist(c, next, item)
}

// checklistItem finds an item and its task, checking If-Match against the task.
func (b *board) checklistItem(itemID string, ifMatch *int) (messages.Task, int, error) {
	taskID, _ := messages.ChecklistItemTask(itemID)
	t, _, err := b.currentTask(taskID, ifMatch)
	if messages.ErrorCode(err) == messages.CodeNotFound {
		return t, -1, messages.NotFound("checklist item")
	}
	if err != nil {
		return t, -1, err
	}
	i := slices.IndexFunc(t.Checklist, func(it messages.ChecklistItem) bool { return it.ID == itemID })
	if i < 0 {
		return t, -1, messages.NotFound("checklist item")
	}
	return t, i, nil
}

func (b *board) updateChecklistItem(c messages.UpdateChecklistItem) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	t, i, err := b.checklistItem(c.ItemID, c.IfMatch)
	if err != nil {
		return messages.Result{}, err
	}
	item := t.Checklist[i]
	if c.Text != nil {
		item.Text = strings.TrimSpace(*c.Text)
	}
	if c.Done != nil {
		item.Done = *c.Done
	}
	items := slices.Delete(slices.Clone(t.Checklist), i, i+1)
	to := i
	if c.Position != nil {
		to = min(*c.Position, len(items))
	}
	next := t
	next.Checklist = renumberItems(slices.Insert(items, to, item))
	item.Position = to
	if slices.Equal(next.Checklist, t.Checklist) {
		return messages.Result{Item: &item, Task: &t, Seq: b.seq}, nil
	}
	return b.changeChecklist(c, next, item)
}

func (b *board) deleteChecklistItem(c messages.DeleteChecklistItem) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	t, i, err := b.checklistItem(c.ItemID, c.IfMatch)
	if err != nil {
		return messages.Result{}, err
	}
	next := t
	next.Checklist = renumberItems(slices.Delete(slices.Clone(t.Checklist), i, i+1))
	return b.commitTask(c, next, func(*messages.Task) messages.Result { return messages.Result{} })
}

// changeChecklist commits a task whose checklist changed; the answer is the item, with the
// task beside it.
func (b *board) changeChecklist(m messages.Mutation, next messages.Task, item messages.ChecklistItem) (messages.Result, error) {
	return b.commitTask(m, next, func(t *messages.Task) messages.Result { return messages.Result{Item: &item, Task: t} })
}

// newItemID returns an id for a new item of t's checklist: its task's id, a dot and eight
// random characters not taken by another item of the task. Short, as a snapshot carries every
// item's id.
func newItemID(t messages.Task) string {
	for {
		var b [5]byte
		_, _ = rand.Read(b[:]) // never fails
		id := t.ID + "." + strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))
		if !slices.ContainsFunc(t.Checklist, func(it messages.ChecklistItem) bool { return it.ID == id }) {
			return id
		}
	}
}

// renumberItems sets positions 0..n-1 in place and returns items.
func renumberItems(items []messages.ChecklistItem) []messages.ChecklistItem {
	for i := range items {
		items[i].Position = i
	}
	return items
}
