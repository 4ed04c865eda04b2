package actors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/taskboard/taskboard/messages"
)

// Several nodes may share one database (Postgres): each holds its own actor per board, whose
// state is then a cache that other nodes' commits make stale. A board therefore takes the
// board's lock in the database before it plans a change (hold), applying first what others
// committed since it last looked; and it catches up before it answers a read or a
// subscription (sync), and when the node's watcher says another node committed (catchUp).
// The events table is the log: every node applies the same events, in seq order, so that
// all of them hold the same state and deliver the same events. On a store with a single
// writer (SQLite) Hold and Missed return nothing and cost nothing.

// catchUp is sent by the node's watcher when the board may be behind seq in the database.
type catchUp struct{ seq int64 }

func (catchUp) IgnoreDeadLetterLogging() {}

// hold takes the board's lock in a shared store, after which b.st is the board's current
// state until the held change is committed or released. A store with a single writer needs
// no lock: b.held stays nil.
func (b *board) hold() error {
	if !b.shared || b.held != nil || b.st == nil || b.deleted {
		return nil // one writer, or not loaded (or gone): the command's own checks answer
	}
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		h, missed, err := b.store.Hold(ctx, b.id, b.seq)
		cancel()
		if errors.Is(err, messages.ErrBehind) && attempt == 0 {
			b.reload()
			if b.st == nil {
				return unavailable(b.loadErr)
			}
			continue
		}
		if err != nil {
			if messages.ErrorCode(err) == messages.CodeNotFound {
				b.deleted = true
				b.closeAll(messages.EndDeleted)
				return err
			}
			b.log.Error().Err(err).Msg("hold board")
			return unavailable(err)
		}
		b.held = h
		if err := b.apply(missed); err != nil {
			b.release()
			return err
		}
		return nil
	}
}

// release gives back a hold that no change used.
func (b *board) release() {
	if b.held != nil {
		b.held.Release()
		b.held = nil
	}
}

// sync applies what other nodes committed, before a read or a subscription is answered, so
// that a client reads its own writes whichever node it asks.
func (b *board) sync() error {
	if !b.shared || b.held != nil || b.st == nil || b.deleted {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	missed, err := b.store.Missed(ctx, b.id, b.seq)
	cancel()
	switch {
	case errors.Is(err, messages.ErrBehind):
		b.reload()
		return nil
	case messages.ErrorCode(err) == messages.CodeNotFound:
		b.deleted = true
		b.closeAll(messages.EndDeleted)
		return err
	case err != nil:
		b.log.Error().Err(err).Msg("catch up with other nodes")
		return unavailable(err)
	}
	return b.apply(missed)
}

// caughtUp answers the watcher: it reads what the board missed when the database is ahead
// and someone here is subscribed to hear it. A board nobody here follows catches up when it
// is next held, read or subscribed to, all of which sync first: on a board written through
// every node, that spares each write a read by every other node.
func (b *board) caughtUp(seq int64) {
	if b.st != nil && !b.deleted && b.held == nil && seq > b.seq && len(b.subs) > 0 {
		_ = b.sync()
	}
}

// reload reads the board's state again when its missed events are gone: its subscribers
// resume from their last seq, and the ones who need pruned events start from a snapshot.
func (b *board) reload() {
	b.forget()
	_ = b.load()
}

// apply applies events other nodes committed, in order, and publishes each as if the board
// had committed it. An event that does not fit the state means the state is wrong: the
// board reloads it.
func (b *board) apply(missed []messages.Encoded) error {
	for _, enc := range missed {
		if enc.Seq != b.seq+1 {
			b.log.Error().Int64("seq", enc.Seq).Int64("at", b.seq).Msg("missed events out of order; reloading")
			b.reload()
			return unavailable(errors.New("reloaded"))
		}
		var ev messages.Event
		err := json.Unmarshal(enc.JSON, &ev)
		if ev.Task != nil {
			ev.Task.Normalize() // an event written before tasks had lists
		}
		if err == nil {
			err = b.st.applyEvent(ev)
		}
		if err != nil {
			b.log.Error().Err(err).Int64("seq", enc.Seq).Msg("apply another node's event; reloading")
			b.reload()
			return unavailable(err)
		}
		b.seq = enc.Seq
		if enc.Seq-b.firstSeq >= b.opts.Retention+b.pruneBatch() {
			b.firstSeq = enc.Seq - b.opts.Retention + 1 // as the writer pruned, if it is configured alike
		}
		b.publish(messages.Change{Event: ev, Encoded: enc})
		switch ev.Type {
		case messages.MemberRemoved:
			b.endUser(ev.UserID, messages.EndRevoked)
		case messages.BoardDeleted:
			b.deleted = true
			b.closeAll(messages.EndDeleted)
			return nil
		}
	}
	return nil
}

// applyEvent applies a committed event to the state, with the same renumbering the board
// that planned it did.
func (s *state) applyEvent(e messages.Event) error {
	switch e.Type {
	case messages.TaskCreated, messages.TaskUpdated, messages.TaskMoved, messages.TaskRestored,
		messages.CommentAdded, messages.CommentDeleted:
		if e.Task == nil {
			return fmt.Errorf("%s without a task", e.Type)
		}
		return s.applyTask(e)
	case messages.CommentUpdated:
	case messages.TaskArchived:
		if e.Task == nil {
			return errors.New("task_archived without a task")
		}
		_, at, ok := s.task(e.Task.ID)
		if !ok {
			return fmt.Errorf("task_archived: no live task %s", e.Task.ID)
		}
		s.archive(*e.Task, at, s.planRemove(e.Task.ListID, at))
	case messages.LabelCreated, messages.LabelUpdated:
		if e.Label == nil {
			return fmt.Errorf("%s without a label", e.Type)
		}
		if _, at, ok := s.label(e.Label.ID); ok {
			s.labels[at] = *e.Label
		} else if e.Type == messages.LabelCreated {
			s.labels = append(s.labels, *e.Label)
		} else {
			return fmt.Errorf("label_updated: no label %s", e.Label.ID)
		}
	case messages.LabelDeleted:
		changed := s.withoutLabel(e.LabelID, e.At)
		if len(changed) != len(e.TaskIDs) {
			return fmt.Errorf("label_deleted: %d tasks here, %d in the event", len(changed), len(e.TaskIDs))
		}
		s.deleteLabel(e.LabelID, changed)
	case messages.TaskDeleted:
		if _, ok := s.archived[e.TaskID]; ok {
			delete(s.archived, e.TaskID)
			return nil
		}
		t, at, ok := s.task(e.TaskID)
		if !ok {
			return fmt.Errorf("task_deleted: no task %s", e.TaskID)
		}
		rows := s.planRemove(t.ListID, at)
		s.deleteSlot(t.ListID, at)
		s.place(rows)
		delete(s.taskList, t.ID)
	case messages.ListCreated, messages.ListUpdated:
		if e.List == nil {
			return fmt.Errorf("%s without a list", e.Type)
		}
		l := *e.List
		l.CreatedAt = e.At // not on the wire: the list's creation is its event's
		next := slices.Clone(s.lists)
		if old, from, ok := s.list(l.ID); ok {
			l.CreatedAt = old.CreatedAt
			next = slices.Delete(next, from, from+1)
		} else if e.Type == messages.ListUpdated {
			return fmt.Errorf("list_updated: no list %s", l.ID)
		} else {
			s.tasks[l.ID] = nil
		}
		if l.Position < 0 || l.Position > len(next) {
			return fmt.Errorf("%s: position %d of %d", e.Type, l.Position, len(next))
		}
		next = slices.Insert(next, l.Position, l)
		renumberLists(next, 0)
		s.lists = next
	case messages.ListDeleted:
		_, at, ok := s.list(e.ListID)
		if !ok {
			return fmt.Errorf("list_deleted: no list %s", e.ListID)
		}
		next := slices.Delete(slices.Clone(s.lists), at, at+1)
		renumberLists(next, at)
		for _, t := range s.tasks[e.ListID] {
			delete(s.taskList, t.ID)
		}
		delete(s.tasks, e.ListID)
		s.lists = next
	case messages.BoardUpdated:
		if e.Board == nil {
			return errors.New("board_updated without a board")
		}
		s.board.Name = e.Board.Name
	case messages.BoardDeleted:
	case messages.MemberAdded:
		if e.Member == nil {
			return errors.New("member_added without a member")
		}
		s.members[e.Member.UserID] = *e.Member
	case messages.MemberRemoved:
		delete(s.members, e.UserID)
	default:
		return fmt.Errorf("unknown event type %q", e.Type)
	}
	return nil
}

// applyTask applies a task's creation, update or move: the task leaves its place, if it has
// one, and takes the event's, the tasks after either place renumbered.
func (s *state) applyTask(e messages.Event) error {
	t := *e.Task
	if _, ok := s.archived[t.ID]; ok && e.Type != messages.TaskRestored { // changed while archived
		if !t.Archived() {
			return fmt.Errorf("%s: task %s is archived", e.Type, t.ID)
		}
		s.archived[t.ID] = t
		return nil
	}
	if _, ok := s.tasks[t.ListID]; !ok {
		return fmt.Errorf("%s: no list %s", e.Type, t.ListID)
	}
	if old, at, ok := s.task(t.ID); ok {
		if e.Type == messages.TaskCreated || e.Type == messages.TaskRestored {
			return fmt.Errorf("%s: task %s exists", e.Type, t.ID)
		}
		rows := s.planRemove(old.ListID, at)
		s.deleteSlot(old.ListID, at)
		s.place(rows)
	} else if e.Type == messages.TaskRestored {
		if _, ok := s.archived[t.ID]; !ok {
			return fmt.Errorf("task_restored: no archived task %s", t.ID)
		}
		delete(s.archived, t.ID)
	} else if e.Type != messages.TaskCreated {
		return fmt.Errorf("%s: no task %s", e.Type, t.ID)
	}
	if t.Position < 0 || t.Position > len(s.tasks[t.ListID]) {
		return fmt.Errorf("%s: position %d of %d", e.Type, t.Position, len(s.tasks[t.ListID]))
	}
	rows := s.planInsert(t, t.ListID, t.Position)
	s.insertSlot(t.ListID, t.Position)
	s.place(rows)
	return nil
}
