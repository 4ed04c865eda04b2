package actors

import (
	"errors"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/taskboard/taskboard/messages"
)

// Group commit within a board. A board commits the task and list changes queued in its
// mailbox together: the first one sends the board a flush message, which protoactor delivers
// after every message already queued; each change up to then is checked against the state
// left by the ones before, applied in memory and staged, and flush commits them all in one
// transaction before anyone hears of them. Replies and events wait for that commit, so
// nothing unacknowledged is ever shown; anything else the board is asked (a snapshot, a
// subscription, a member change) flushes first, so it never sees a staged change either.
// If the transaction fails, every staged change fails and the board reloads its state.

// errStaged is what commit returns for a change staged for the batch's transaction.
var errStaged = errors.New("staged for the next commit")

// flush asks a board to commit its staged changes.
type flush struct{}

// staged is a change applied in memory and waiting for its transaction.
type staged struct {
	change messages.Change
	res    messages.Result
}

// batchable reports whether cmd may be staged: task and list changes. The rest runs alone,
// after a flush.
func batchable(cmd messages.Command) bool {
	switch cmd.(type) {
	case messages.CreateTask, messages.UpdateTask, messages.MoveTask, messages.DeleteTask,
		messages.CreateList, messages.UpdateList, messages.DeleteList:
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

// flushStaged commits the staged changes in one transaction and returns each one's reply, in
// order: its result and, once committed, its event is buffered and fanned out.
func (b *board) flushStaged() []reply {
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
		// The staged changes are in memory already: whatever the error, drop them.
		if b.st != nil {
			b.forget()
		}
		for i := range replies {
			replies[i] = reply{err: err}
		}
		return replies
	}
	for i, s := range batch {
		b.publish(s.change)
		replies[i] = reply{res: s.res}
	}
	return replies
}

// receiveCommand runs a command, staging it when it can wait for a batch.
func (a *boardActor) receiveCommand(ctx actor.Context, cmd messages.Command) {
	if batchable(cmd) && !a.stagedKey(cmd.Trace()) && len(a.staged) < a.opts.MaxBatch {
		a.deferCommits = true
		r := a.handle(cmd)
		a.deferCommits = false
		if errors.Is(r.err, errStaged) {
			a.waiting = append(a.waiting, ctx.Sender())
			if len(a.waiting) == 1 {
				ctx.Send(ctx.Self(), flush{})
			}
			return
		}
		ctx.Respond(r)
		return
	}
	a.flush(ctx)
	ctx.Respond(a.handle(cmd))
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
}

// flush commits the staged changes and answers their callers.
func (a *boardActor) flush(ctx actor.Context) {
	for i, r := range a.flushStaged() {
		if a.waiting[i] != nil {
			ctx.Send(a.waiting[i], r)
		}
	}
	a.waiting = nil
}
