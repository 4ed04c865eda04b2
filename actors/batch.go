package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/taskboard/taskboard/messages"
)

// Group commit within a board. Every change a board makes is applied in memory and staged
// (board.commit); the board commits what is staged in one transaction before anyone hears of
// it. Task and list changes queued in the mailbox wait for each other: the first one sends the
// board a commitDue message, which protoactor delivers after every message already queued, so
// each change up to then is checked against the state left by the ones before and they all
// commit together. Any other command commits what is staged first, so it never sees a staged
// change, and its own change at once. A commitDue whose group was committed that way is
// stale and ignored: else each such commit would leave one more commitDue in the mailbox,
// and under a steady stream of changes they would cut it into ever smaller groups. Replies
// and events wait for the commit, so nothing unacknowledged is ever shown; effects that must
// wait for it too run as after-commit hooks.
// If the transaction fails, every staged change fails and the board rolls its state back.

// commitDue asks a board to commit the group it has staged since its group number was group.
type commitDue struct{ group uint64 }

// staged is a change applied in memory and waiting for its transaction.
type staged struct {
	change messages.Change
	res    messages.Result
	after  func() // see afterCommit
}

// batchable reports whether cmd may wait for other queued changes: task and list changes.
func batchable(cmd messages.Command) bool {
	switch cmd.(type) {
	case messages.CreateTask, messages.UpdateTask, messages.MoveTask, messages.DeleteTask,
		messages.CreateList, messages.UpdateList, messages.DeleteList,
		messages.AddChecklistItem, messages.UpdateChecklistItem, messages.DeleteChecklistItem,
		messages.ArchiveTask, messages.RestoreTask:
		return true
	}
	return false
}

// stagedKey reports whether a staged change carries m's mutation id: the retry must wait for
// the first one's commit to be answered with it.
func (b *board) stagedKey(m messages.Meta) bool {
	if m.MutationID == "" {
		return false
	}
	for _, s := range b.staged {
		if s.change.Event.ActorID == m.UserID && s.change.Event.ClientMutationID == m.MutationID {
			return true
		}
	}
	return false
}

// commitStaged commits the staged changes in one transaction and returns each one's reply, in
// order: once committed, its event is buffered and fanned out and its after-commit hook runs.
func (b *board) commitStaged() []reply {
	if len(b.staged) == 0 {
		return nil
	}
	batch := b.staged
	b.staged = nil
	changes := make([]messages.Change, len(batch))
	for i, s := range batch {
		changes[i] = s.change
	}
	replies := make([]reply, len(batch))
	if err := b.persist(changes...); err != nil {
		err = b.rollback(changes, err)
		for i := range replies {
			replies[i] = reply{err: err}
		}
		return replies
	}
	for i, s := range batch {
		b.publish(s.change)
		if s.after != nil {
			s.after()
		}
		replies[i] = reply{res: s.res}
	}
	return replies
}

// receiveCommand runs a command. A change it stages is answered once committed: at once for
// a command that cannot wait, else with the changes queued behind it.
func (a *boardActor) receiveCommand(ctx actor.Context, cmd messages.Command) {
	wait := batchable(cmd) && !a.stagedKey(cmd.Trace()) && len(a.staged) < a.opts.MaxBatch
	if !wait {
		a.commitAndAnswer(ctx)
	}
	if err := a.prepare(cmd); err != nil {
		ctx.Respond(reply{err: err})
		return
	}
	before := len(a.staged)
	r := a.handle(cmd)
	if len(a.staged) == before {
		if before == 0 {
			a.release() // a hold no change used
		}
		ctx.Respond(r) // nothing to commit: a read, a change that changes nothing, or an error
		return
	}
	a.waiting = append(a.waiting, ctx.Sender())
	switch {
	case !wait:
		a.commitAndAnswer(ctx)
	case len(a.waiting) == 1:
		ctx.Send(ctx.Self(), commitDue{group: a.group})
	}
}

// prepare brings the state up to date with what other nodes committed (shared.go): a change
// holds the board's lock first, a read or a subscription catches up.
func (b *board) prepare(cmd messages.Command) error {
	switch cmd.(type) {
	case messages.Mutation:
		if b.ready() != nil {
			return nil // the command's own checks answer
		}
		return b.hold()
	case subscribe, messages.GetSnapshot, messages.GetTask, messages.GetList, messages.ListMembers,
		messages.ListTasks, messages.GetActivity, messages.ListLabels, messages.ListComments:
		if b.ready() != nil {
			return nil
		}
		return b.sync()
	}
	return nil
}

// failStaged answers the callers of staged changes that will never be committed: the board
// crashed, and its next incarnation reloads what the database holds.
func (a *boardActor) failStaged(ctx actor.Context) {
	for _, sender := range a.waiting {
		if sender != nil {
			ctx.Send(sender, reply{err: messages.Errorf(messages.CodeUnavailable, "board is unavailable, try again")})
		}
	}
	a.waiting, a.staged = nil, nil
	a.release()
}

// commitAndAnswer commits what is staged and answers its callers. The next group has a new
// number.
func (a *boardActor) commitAndAnswer(ctx actor.Context) {
	if len(a.waiting) > 0 {
		a.group++
	}
	for i, r := range a.commitStaged() {
		if a.waiting[i] != nil {
			ctx.Send(a.waiting[i], r)
		}
	}
	a.waiting = nil
}
