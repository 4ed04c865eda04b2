package actors

import (
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/taskboard/taskboard/messages"
)

// reply is a board's answer to any command.
type reply struct {
	res messages.Result
	sub *messages.Subscription
	// fetchAfter < seq <= fetchUpTo are events a subscriber needs from the store.
	fetchAfter, fetchUpTo int64
	err                   error
}

// subscribe is a Subscribe with the id its subscription will have, chosen by the caller so
// that it can unsubscribe even when it stopped waiting for the answer.
type subscribe struct {
	messages.Subscribe
	id uint64
}

// unsubscribe ends one subscription; it goes through the manager, which never spawns for it.
type unsubscribe struct {
	boardID string
	id      uint64
}

// idleCheck is sent by a board's own timer; protoactor's receive timeout races.
type idleCheck struct{}

// passivate asks the manager to stop an idle board.
type passivate struct{ pid *actor.PID }

// The internal messages may reach a board or manager that has just stopped, and a reply a
// caller who stopped waiting; that is expected and not worth a dead-letter log line.
func (reply) IgnoreDeadLetterLogging()       {}
func (unsubscribe) IgnoreDeadLetterLogging() {}
func (idleCheck) IgnoreDeadLetterLogging()   {}
func (passivate) IgnoreDeadLetterLogging()   {}

// boardActor routes protoactor messages to a board. Its fields are touched only in Receive.
type boardActor struct {
	*board
	shutdown   *atomic.Bool
	stopTimer  func() bool // the idle timer's, while it runs
	lastActive time.Time
	waiting    []*actor.PID // the callers of the staged changes, in order
	group      uint64       // the number of the group being staged (batch.go)
}

// Receive implements actor.Actor.
func (a *boardActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.opts.Observer.BoardStarted()
		self, root := ctx.Self(), ctx.ActorSystem().Root
		a.wake = func() { root.Send(self, roomTick{}) }
		if a.load() == nil { // a failure is answered, and retried, by the next command
			a.opts.OnLifecycle(a.id, Loaded)
		}
		a.touch(ctx)
	case *actor.Restarting:
		a.failStaged(ctx)
		a.opts.Observer.BoardStopped()
		a.stop(messages.EndRestarted)
		a.opts.OnLifecycle(a.id, Restarting)
	case *actor.Stopping:
		a.commitAndAnswer(ctx) // answer what is staged before going
		reason := messages.EndRestarted
		if a.shutdown.Load() {
			reason = messages.EndShutdown
		}
		a.stop(reason)
		a.opts.Observer.BoardStopped()
		a.opts.OnLifecycle(a.id, Stopped)
	case idleCheck:
		a.checkIdle(ctx)
	case unsubscribe:
		a.unsubscribe(msg.id)
	case commitDue:
		if msg.group == a.group {
			a.commitAndAnswer(ctx)
		}
	case roomTick:
		a.roomTick()
	case catchUp:
		a.caughtUp(msg.seq)
	case roomNote:
		a.fromNode(msg)
	case roomResync:
		a.helloNodes()
	case messages.Command:
		a.touch(ctx)
		a.receiveCommand(ctx, msg)
		if a.deleted || messages.ErrorCode(a.loadErr) == messages.CodeNotFound {
			ctx.Send(ctx.Parent(), passivate{pid: ctx.Self()})
		}
	}
}

func (a *boardActor) stop(reason string) {
	if a.stopTimer != nil {
		a.stopTimer()
	}
	a.closeAll(reason)
	a.stopRoomTimer()
}

// touch records activity and arms the idle timer if it is not running.
func (a *boardActor) touch(ctx actor.Context) {
	a.lastActive = a.opts.Clock()
	if a.stopTimer == nil {
		a.arm(ctx, a.opts.IdleAfter)
	}
}

// arm starts the idle timer on the boards' clock, as the room timers are.
func (a *boardActor) arm(ctx actor.Context, after time.Duration) {
	self, root := ctx.Self(), ctx.ActorSystem().Root
	a.stopTimer = a.opts.AfterFunc(after, func() { root.Send(self, idleCheck{}) })
}

func (a *boardActor) checkIdle(ctx actor.Context) {
	idle := a.opts.Clock().Sub(a.lastActive)
	if len(a.subs) == 0 && idle >= a.opts.IdleAfter {
		a.log.Debug().Dur("idle", idle).Msg("passivating board")
		ctx.Send(ctx.Parent(), passivate{pid: ctx.Self()})
		return
	}
	a.arm(ctx, max(a.opts.IdleAfter-idle, a.opts.IdleAfter/10, time.Millisecond))
}

// handle runs one command.
func (b *board) handle(cmd messages.Command) reply {
	var res messages.Result
	var err error
	switch c := cmd.(type) {
	case subscribe:
		sub, after, upTo, err := b.subscribe(c.Subscribe, c.id)
		return reply{sub: sub, fetchAfter: after, fetchUpTo: upTo, err: err}
	case messages.GetSnapshot:
		res, err = b.snapshot(c)
	case messages.UpdateBoard:
		res, err = b.updateBoard(c)
	case messages.DeleteBoard:
		res, err = b.deleteBoard(c)
	case messages.CreateList:
		res, err = b.createList(c)
	case messages.UpdateList:
		res, err = b.updateList(c)
	case messages.DeleteList:
		res, err = b.deleteList(c)
	case messages.GetTask:
		res, err = b.getTask(c)
	case messages.GetList:
		res, err = b.getList(c)
	case messages.CreateTask:
		res, err = b.createTask(c)
	case messages.UpdateTask:
		res, err = b.updateTask(c)
	case messages.MoveTask:
		res, err = b.moveTask(c)
	case messages.DeleteTask:
		res, err = b.deleteTask(c)
	case messages.ListTasks:
		res, err = b.listTasks(c)
	case messages.GetActivity:
		res, err = b.activity(c)
	case messages.ListLabels:
		res, err = b.listLabels(c)
	case messages.CreateLabel:
		res, err = b.createLabel(c)
	case messages.UpdateLabel:
		res, err = b.updateLabel(c)
	case messages.DeleteLabel:
		res, err = b.deleteLabel(c)
	case messages.AddChecklistItem:
		res, err = b.addChecklistItem(c)
	case messages.UpdateChecklistItem:
		res, err = b.updateChecklistItem(c)
	case messages.DeleteChecklistItem:
		res, err = b.deleteChecklistItem(c)
	case messages.ArchiveTask:
		res, err = b.archiveTask(c)
	case messages.RestoreTask:
		res, err = b.restoreTask(c)
	case messages.ListComments:
		res, err = b.listComments(c)
	case messages.AddComment:
		res, err = b.addComment(c)
	case messages.UpdateComment:
		res, err = b.updateComment(c)
	case messages.DeleteComment:
		res, err = b.deleteComment(c)
	case messages.ListMembers:
		res, err = b.listMembers(c)
	case messages.AddMember:
		res, err = b.addMember(c)
	case messages.UpdateMember:
		res, err = b.updateMember(c)
	case messages.RemoveMember:
		res, err = b.removeMember(c)
	case messages.Typing:
		err = b.typing(c)
	case messages.Cursor:
		err = b.cursor(c)
	default:
		err = messages.Errorf(messages.CodeBadRequest, "unknown command")
	}
	return reply{res: res, err: err}
}
