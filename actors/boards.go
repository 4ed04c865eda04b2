package actors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/taskboard/taskboard/messages"
)

// Boards is the front of the board actors for gateways: it turns calls into messages and
// answers into values, so callers never see a PID. It is safe for concurrent use.
type Boards struct {
	system   *actor.ActorSystem
	manager  *actor.PID
	store    Store
	opts     Options
	shutdown *atomic.Bool
	// lastSubscriber numbers subscriptions, so that a caller can end one it stopped waiting for.
	lastSubscriber atomic.Uint64
	// stopWatch ends the watch of a shared store (watch.go); watched is closed once it ended.
	stopWatch context.CancelFunc
	watched   chan struct{}
	// node tells this node's room notes from the other nodes' (room_nodes.go).
	node string
}

// NewBoards starts an actor system with a board manager over store. Call Shutdown to stop it.
func NewBoards(store Store, opts Options) *Boards {
	opts = opts.withDefaults()
	b := &Boards{store: store, opts: opts, shutdown: new(atomic.Bool), node: newID("node")}
	b.system = actor.NewActorSystem(
		actor.WithLoggerFactory(slogFactory(opts.Logger)),
		// A request that reaches a stopped board is retried by ask: not worth a log line.
		actor.WithDeadLetterRequestLogging(false),
	)
	boardProps := func(id string) *actor.Props {
		return actor.PropsFromProducer(func() actor.Actor {
			board := newBoard(id, store, opts)
			board.node = b.node
			return &boardActor{board: board, shutdown: b.shutdown}
		}, actor.WithReceiverMiddleware(logPanics(opts.Logger.With().Str("board", id).Logger())))
	}
	supervisor := actor.NewOneForOneStrategy(opts.MaxRestarts, opts.RestartWindow, actor.DefaultDecider)
	b.manager = b.system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &manager{boards: map[string]*entry{}, byPID: map[string]string{}, newBoard: boardProps}
	}, actor.WithSupervisor(supervisor), actor.WithReceiverMiddleware(logPanics(opts.Logger))))
	ctx, stop := context.WithCancel(context.Background())
	b.stopWatch, b.watched = stop, make(chan struct{})
	go func() {
		defer close(b.watched)
		if s, ok := shared(store); ok {
			b.watch(ctx, s)
		}
	}()
	return b
}

// Shutdown stops every board (open subscriptions end with messages.EndShutdown) and the actor
// system, waiting until ctx ends at most. Nothing acknowledged is lost: every answered command
// was committed first.
func (b *Boards) Shutdown(ctx context.Context) error {
	b.shutdown.Store(true)
	b.stopWatch()
	<-b.watched
	defer b.system.Shutdown()
	stopped := make(chan error, 1)
	future := b.system.Root.PoisonFuture(b.manager)
	go func() { stopped <- future.Wait() }()
	select {
	case err := <-stopped:
		if err != nil && !errors.Is(err, actor.ErrDeadLetter) {
			return fmt.Errorf("stop boards: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop boards: %w", ctx.Err())
	}
}

func deadline(ctx context.Context, fallback time.Duration) time.Time {
	d := time.Now().Add(fallback)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
}

// ask sends cmd to its board and waits for the reply, retrying once if the board stopped
// between routing and delivery. A board that does not answer in time is unavailable.
func (b *Boards) ask(ctx context.Context, cmd messages.Command) (reply, error) {
	if b.shutdown.Load() {
		return reply{}, messages.Errorf(messages.CodeUnavailable, "server is shutting down")
	}
	for attempt := 0; ; attempt++ {
		timeout := time.Until(deadline(ctx, b.opts.AskTimeout))
		if timeout <= 0 {
			return reply{}, messages.Errorf(messages.CodeUnavailable, "board did not answer in time")
		}
		res, err := b.system.Root.RequestFuture(b.manager, cmd, timeout).Result()
		switch {
		case errors.Is(err, actor.ErrDeadLetter) && attempt == 0:
			continue
		case errors.Is(err, actor.ErrTimeout), errors.Is(err, actor.ErrDeadLetter):
			return reply{}, messages.Errorf(messages.CodeUnavailable, "board did not answer in time")
		case err != nil:
			return reply{}, fmt.Errorf("ask board %s: %w", cmd.Board(), err)
		}
		r, ok := res.(reply)
		if !ok {
			return reply{}, fmt.Errorf("ask board %s: unexpected answer %T", cmd.Board(), res)
		}
		return r, r.err
	}
}

// Do runs a command and returns its result: it validates the command, finds the board of a
// command addressed by a task or list id, and asks that board, which checks roles and
// replays, commits and answers. Creating a board, listing a user's boards and searching
// across them have no board to ask: Boards answers them itself. Errors are *messages.Error values, or internal ones.
func (b *Boards) Do(ctx context.Context, cmd messages.Command) (messages.Result, error) {
	start := time.Now()
	res, err := b.do(ctx, cmd)
	if _, ok := cmd.(messages.Mutation); ok {
		code := ""
		if err != nil {
			code = string(messages.ErrorCode(err))
		}
		b.opts.Observer.Mutated(time.Since(start), code)
	}
	return res, err
}

// validator is a command that can check itself without board state.
type validator interface{ Validate() error }

func (b *Boards) do(ctx context.Context, cmd messages.Command) (messages.Result, error) {
	if v, ok := cmd.(validator); ok {
		if err := v.Validate(); err != nil {
			return messages.Result{}, err
		}
	}
	switch c := cmd.(type) {
	case messages.CreateBoard:
		return b.createBoard(ctx, c)
	case messages.ListBoards:
		return b.listBoards(ctx, c)
	case messages.Search:
		return b.search(ctx, c)
	}
	routed, err := b.route(ctx, cmd)
	var r reply
	if err == nil {
		r, err = b.ask(ctx, routed)
	}
	// A retry's first answer may have deleted what it names (a task, a board, the caller's
	// own membership): it is still the answer.
	if m, ok := cmd.(messages.Mutation); ok && messages.ErrorCode(err) == messages.CodeNotFound {
		if res, found, rerr := firstAnswer(ctx, b.store, m); found || rerr != nil {
			return res, rerr
		}
	}
	return r.res, err
}

// route returns cmd addressed to the board that holds the task or list it names (not_found if
// none). A command addressed by its board id goes as it is.
func (b *Boards) route(ctx context.Context, cmd messages.Command) (messages.Command, error) {
	list, task := b.store.BoardOfList, b.store.BoardOfTask
	label, comment := b.store.BoardOfLabel, b.store.BoardOfComment
	item := func(ctx context.Context, itemID string) (string, error) {
		taskID, ok := messages.ChecklistItemTask(itemID)
		if !ok {
			return "", messages.NotFound("checklist item")
		}
		boardID, err := task(ctx, taskID)
		if messages.ErrorCode(err) == messages.CodeNotFound {
			return "", messages.NotFound("checklist item")
		}
		return boardID, err
	}
	switch c := cmd.(type) {
	case messages.CreateTask:
		return onBoard(ctx, list, c.ListID, c, func(c *messages.CreateTask) *string { return &c.BoardID })
	case messages.GetList:
		return onBoard(ctx, list, c.ListID, c, func(c *messages.GetList) *string { return &c.BoardID })
	case messages.UpdateList:
		return onBoard(ctx, list, c.ListID, c, func(c *messages.UpdateList) *string { return &c.BoardID })
	case messages.DeleteList:
		return onBoard(ctx, list, c.ListID, c, func(c *messages.DeleteList) *string { return &c.BoardID })
	case messages.GetTask:
		return onBoard(ctx, task, c.TaskID, c, func(c *messages.GetTask) *string { return &c.BoardID })
	case messages.UpdateTask:
		return onBoard(ctx, task, c.TaskID, c, func(c *messages.UpdateTask) *string { return &c.BoardID })
	case messages.MoveTask:
		return onBoard(ctx, task, c.TaskID, c, func(c *messages.MoveTask) *string { return &c.BoardID })
	case messages.DeleteTask:
		return onBoard(ctx, task, c.TaskID, c, func(c *messages.DeleteTask) *string { return &c.BoardID })
	case messages.ArchiveTask:
		return onBoard(ctx, task, c.TaskID, c, func(c *messages.ArchiveTask) *string { return &c.BoardID })
	case messages.RestoreTask:
		return onBoard(ctx, task, c.TaskID, c, func(c *messages.RestoreTask) *string { return &c.BoardID })
	case messages.AddChecklistItem:
		return onBoard(ctx, task, c.TaskID, c, func(c *messages.AddChecklistItem) *string { return &c.BoardID })
	case messages.UpdateChecklistItem:
		return onBoard(ctx, item, c.ItemID, c, func(c *messages.UpdateChecklistItem) *string { return &c.BoardID })
	case messages.DeleteChecklistItem:
		return onBoard(ctx, item, c.ItemID, c, func(c *messages.DeleteChecklistItem) *string { return &c.BoardID })
	case messages.ListComments:
		return onBoard(ctx, task, c.TaskID, c, func(c *messages.ListComments) *string { return &c.BoardID })
	case messages.AddComment:
		return onBoard(ctx, task, c.TaskID, c, func(c *messages.AddComment) *string { return &c.BoardID })
	case messages.UpdateComment:
		return onBoard(ctx, comment, c.CommentID, c, func(c *messages.UpdateComment) *string { return &c.BoardID })
	case messages.DeleteComment:
		return onBoard(ctx, comment, c.CommentID, c, func(c *messages.DeleteComment) *string { return &c.BoardID })
	case messages.UpdateLabel:
		return onBoard(ctx, label, c.LabelID, c, func(c *messages.UpdateLabel) *string { return &c.BoardID })
	case messages.DeleteLabel:
		return onBoard(ctx, label, c.LabelID, c, func(c *messages.DeleteLabel) *string { return &c.BoardID })
	case messages.GetActivity:
		if c.BoardID == "" {
			return onBoard(ctx, task, c.TaskID, c, func(c *messages.GetActivity) *string { return &c.BoardID })
		}
	}
	return cmd, nil
}

// onBoard returns c with its board, named by boardID, set to the one boardOf finds for id.
func onBoard[C messages.Command](ctx context.Context, boardOf func(context.Context, string) (string, error), id string, c C, boardID func(*C) *string) (messages.Command, error) {
	var err error
	*boardID(&c), err = boardOf(ctx, id)
	return c, err
}

// Subscribe opens a subscription to a board's events after s.After, reading from the database
// the part of the replay the board no longer holds in memory. The caller must Unsubscribe.
func (b *Boards) Subscribe(ctx context.Context, s messages.Subscribe) (*messages.Subscription, error) {
	id := b.lastSubscriber.Add(1)
	r, err := b.ask(ctx, subscribe{Subscribe: s, id: id})
	if err != nil {
		// The board may still register it after this caller stopped waiting.
		b.Unsubscribe(&messages.Subscription{ID: id, BoardID: s.BoardID})
		return nil, err
	}
	sub := r.sub
	if r.fetchUpTo > r.fetchAfter {
		older, err := b.store.Events(ctx, s.BoardID, r.fetchAfter, r.fetchUpTo)
		if err != nil {
			b.Unsubscribe(sub)
			return nil, fmt.Errorf("read events of %s: %w", s.BoardID, err)
		}
		if int64(len(older)) != r.fetchUpTo-r.fetchAfter || older[0].Seq != r.fetchAfter+1 {
			// Pruned meanwhile: the client must start again from a snapshot.
			sub.Resync, sub.Replay = true, nil
		} else {
			sub.Replay = append(older, sub.Replay...)
		}
	}
	return sub, nil
}

// Unsubscribe ends a subscription. It is safe to call more than once and after the board
// ended it.
func (b *Boards) Unsubscribe(sub *messages.Subscription) {
	if sub == nil || b.shutdown.Load() {
		return
	}
	b.system.Root.Send(b.manager, unsubscribe{boardID: sub.BoardID, id: sub.ID})
}

// createBoard creates a board owned by the caller with the lists To Do, In Progress and Done.
// It emits no event: the board starts at seq 0. A retry with the same mutation id returns the
// first board.
func (b *Boards) createBoard(ctx context.Context, c messages.CreateBoard) (messages.Result, error) {
	if res, found, err := firstAnswer(ctx, b.store, c); found || err != nil {
		return res, err
	}
	if err := b.checkBoardQuota(ctx, c.UserID); err != nil {
		return messages.Result{}, err
	}
	now := messages.NewTime(b.opts.Clock())
	board := messages.Board{ID: newID("board"), Name: strings.TrimSpace(c.Name), CreatedAt: now, Role: messages.RoleOwner}
	nb := messages.NewBoard{Board: board, OwnerID: c.UserID}
	for i, name := range []string{"To Do", "In Progress", "Done"} {
		nb.Lists = append(nb.Lists, messages.List{ID: newID("list"), BoardID: board.ID, Name: name, Position: i, CreatedAt: now})
	}
	res := messages.Result{Board: &board}
	var err error
	if nb.Idempotency, err = idempotency(c, res); err != nil {
		return messages.Result{}, err
	}
	if err := b.store.CreateBoard(ctx, nb); err != nil {
		if messages.ErrorCode(err) != messages.CodeInternal {
			return messages.Result{}, err
		}
		return messages.Result{}, fmt.Errorf("create board: %w", err)
	}
	return res, nil
}

// checkBoardQuota refuses a new board to a user who owns MaxBoards already.
func (b *Boards) checkBoardQuota(ctx context.Context, userID string) error {
	owned, err := b.store.OwnedBoards(ctx, userID)
	if err != nil {
		return err
	}
	if owned >= b.opts.MaxBoards {
		return messages.Errorf(messages.CodeConflict, "you have reached the limit of %d boards you own", b.opts.MaxBoards)
	}
	return nil
}

// listBoards answers one page of the boards a user is a member of; Next names where the next
// page starts, or is empty on the last.
func (b *Boards) listBoards(ctx context.Context, c messages.ListBoards) (messages.Result, error) {
	limit := c.Limit
	if limit <= 0 || limit > messages.MaxPage {
		limit = messages.DefaultPage
	}
	boards, err := b.store.BoardsOf(ctx, c.UserID, c.After, limit+1)
	if err != nil {
		return messages.Result{}, err
	}
	res := messages.Result{Boards: boards}
	if len(boards) > limit {
		res.Boards = boards[:limit]
		res.Next = boards[limit-1].ID
	}
	return res, nil
}
