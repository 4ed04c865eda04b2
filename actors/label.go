package actors

import (
	"slices"
	"strings"

	"github.com/taskboard/taskboard/messages"
)

func (b *board) listLabels(c messages.ListLabels) (messages.Result, error) {
	if _, err := b.authorize(c.UserID, messages.RoleViewer); err != nil {
		return messages.Result{}, err
	}
	return messages.Result{Labels: slices.Clone(b.st.labels), Seq: b.seq}, nil
}

func (b *board) createLabel(c messages.CreateLabel) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	if len(b.st.labels) >= messages.MaxLabels {
		return messages.Result{}, overQuota("labels", messages.MaxLabels)
	}
	l := messages.Label{ID: newID("label"), BoardID: b.id, Name: strings.TrimSpace(c.Name), Color: c.Color}
	return b.commit(c, messages.Event{Type: messages.LabelCreated, Label: &l},
		messages.Change{PutLabels: []messages.Label{l}}, messages.Result{Label: &l},
		func() { b.st.labels = append(b.st.labels, l) })
}

func (b *board) updateLabel(c messages.UpdateLabel) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	l, at, ok := b.st.label(c.LabelID)
	if !ok {
		return messages.Result{}, messages.NotFound("label")
	}
	next := l
	if c.Name != nil {
		next.Name = strings.TrimSpace(*c.Name)
	}
	if c.Color != nil {
		next.Color = *c.Color
	}
	if next == l {
		return messages.Result{Label: &l, Seq: b.seq}, nil
	}
	return b.commit(c, messages.Event{Type: messages.LabelUpdated, Label: &next},
		messages.Change{PutLabels: []messages.Label{next}}, messages.Result{Label: &next},
		func() { b.st.labels[at] = next })
}

// deleteLabel deletes a label and takes it off every task that has it, in one change.
func (b *board) deleteLabel(c messages.DeleteLabel) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	if _, _, ok := b.st.label(c.LabelID); !ok {
		return messages.Result{}, messages.NotFound("label")
	}
	at := b.now()
	changed := b.st.withoutLabel(c.LabelID, at)
	ids := make([]string, len(changed))
	for i, t := range changed {
		ids[i] = t.ID
	}
	return b.commit(c, messages.Event{Type: messages.LabelDeleted, LabelID: c.LabelID, TaskIDs: ids, At: at},
		messages.Change{DeleteLabels: []string{c.LabelID}, PutTasks: changed}, messages.Result{},
		func() { b.st.deleteLabel(c.LabelID, changed) })
}

// withoutLabel plans taking a label off the tasks that have it, live ones first in board
// order, then archived ones by id: each changes at the label's deletion.
func (s *state) withoutLabel(labelID string, at messages.Time) []messages.Task {
	var out []messages.Task
	take := func(t messages.Task) {
		if i := slices.Index(t.LabelIDs, labelID); i >= 0 {
			t.LabelIDs = slices.Delete(slices.Clone(t.LabelIDs), i, i+1)
			out = append(out, bump(t, at))
		}
	}
	for _, t := range s.allTasks() {
		take(t)
	}
	archived := make([]string, 0, len(s.archived))
	for id := range s.archived {
		archived = append(archived, id)
	}
	slices.Sort(archived)
	for _, id := range archived {
		take(s.archived[id])
	}
	return out
}

// deleteLabel applies a label's deletion planned by withoutLabel.
func (s *state) deleteLabel(labelID string, changed []messages.Task) {
	if _, at, ok := s.label(labelID); ok {
		s.labels = slices.Delete(s.labels, at, at+1)
	}
	for _, t := range changed {
		s.replace(t)
	}
}
