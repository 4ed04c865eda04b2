package actors

import (
	"slices"
	"strings"

	"github.com/taskboard/taskboard/messages"
)

func (b *board) getList(c messages.GetList) (messages.Result, error) {
	if _, err := b.authorize(c.UserID, messages.RoleViewer); err != nil {
		return messages.Result{}, err
	}
	l, _, ok := b.st.list(c.ListID)
	if !ok {
		return messages.Result{}, messages.NotFound("list")
	}
	return messages.Result{List: &l, Seq: b.seq}, nil
}

func (b *board) createList(c messages.CreateList) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	if len(b.st.lists) >= b.opts.MaxLists {
		return messages.Result{}, overQuota("lists", b.opts.MaxLists)
	}
	at := clamp(c.Position, len(b.st.lists))
	l := messages.List{ID: newID("list"), BoardID: b.id, Name: strings.TrimSpace(c.Name), CreatedAt: b.now()}
	next := slices.Insert(slices.Clone(b.st.lists), at, l)
	changed := renumberLists(next, at)
	l = next[at]
	return b.commit(c, messages.Event{Type: messages.ListCreated, List: &l},
		messages.Change{PutLists: changed}, messages.Result{List: &l},
		func() { b.st.lists = next; b.st.tasks[l.ID] = nil })
}

func (b *board) updateList(c messages.UpdateList) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	l, from, ok := b.st.list(c.ListID)
	if !ok {
		return messages.Result{}, messages.NotFound("list")
	}
	before := l
	if c.Name != nil {
		l.Name = strings.TrimSpace(*c.Name)
	}
	to := from
	if c.Position != nil {
		to = min(*c.Position, len(b.st.lists)-1)
	}
	if l.Name == before.Name && to == from {
		return messages.Result{List: &before, Seq: b.seq}, nil
	}
	next := slices.Insert(slices.Delete(slices.Clone(b.st.lists), from, from+1), to, l)
	lo, hi := min(from, to), max(from, to)
	changed := renumberLists(next[:hi+1], lo)
	l = next[to]
	return b.commit(c, messages.Event{Type: messages.ListUpdated, List: &l},
		messages.Change{PutLists: withList(changed, l)}, messages.Result{List: &l},
		func() { b.st.lists = next })
}

// withList makes sure l's row is among rows, for a rename that moved nothing.
func withList(rows []messages.List, l messages.List) []messages.List {
	for i := range rows {
		if rows[i].ID == l.ID {
			rows[i] = l
			return rows
		}
	}
	return append(rows, l)
}

func (b *board) deleteList(c messages.DeleteList) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	_, at, ok := b.st.list(c.ListID)
	if !ok {
		return messages.Result{}, messages.NotFound("list")
	}
	next := slices.Delete(slices.Clone(b.st.lists), at, at+1)
	changed := renumberLists(next, at)
	var gone []string
	for _, t := range b.st.tasks[c.ListID] {
		gone = append(gone, t.ID)
	}
	return b.commit(c, messages.Event{Type: messages.ListDeleted, ListID: c.ListID},
		messages.Change{PutLists: changed, DeleteLists: []string{c.ListID}, DeleteTasks: gone}, messages.Result{},
		func() {
			b.st.lists = next
			for _, id := range gone {
				delete(b.st.taskList, id)
			}
			delete(b.st.tasks, c.ListID)
		})
}
