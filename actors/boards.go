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
}

// NewBoards starts an actor system with a board manager over store. Call Shutdown to stop it.
func NewBoards(store Store, opts Options) *Boards {
	opts = opts.withDefaults()
	b := &Boards{store: store, opts: opts, shutdown: new(atomic.Bool)}
	b.system = actor.NewActorSystem(
		actor.WithLoggerFactory(slogFactory(opts.Logger)),
		// A request that reaches a stopped board is retried by ask: not worth a log line.
		actor.WithDeadLetterRequestLogging(false),
	)
	boardProps := func(id string) *actor.Props {
		return actor.PropsFromProducer(func() actor.Actor {
			return &boardActor{board: newBoard(id, store, opts), shutdown: b.shutdown}
		}, actor.WithReceiverMiddleware(logPanics(opts.Logger.With().Str("board", id).Logger())))
	}
	supervisor := actor.NewOneForOneStrategy(opts.MaxRestarts, opts.RestartWindow, actor.DefaultDecider)
	b.manager = b.system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &manager{boards: map[string]*entry{}, byPID: map[string]string{}, newBoard: boardProps}
	}, actor.WithSupervisor(supervisor), actor.WithReceiverMiddleware(logPanics(opts.Logger))))
	return b
}

// Shutdown stops every board (open subscriptions end with messages.EndShutdown) and the actor
// system, waiting until ctx ends at most. Nothing acknowledged is lost: every answered command
// was committed first.
func (b *Boards) Shutdown(ctx context.Context) error {
	b.shutdown.Store(true)
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

// Do sends a command to its board and returns the board's result.
func (b *Boards) Do(ctx context.Context, cmd messages.Command) (messages.Result, error) {
	start := time.Now()
	r, err := b.ask(ctx, cmd)
	if mutation(cmd) {
		code := ""
		if err != nil {
			code = string(messages.ErrorCode(err))
		}
		b.opts.Observer.Mutated(time.Since(start), code)
	}
	return r.res, err
}

// Subscribe opens a subscription to a board's events after s.After, reading from the database
// the part of the replay the board no longer holds in memory. The caller must Unsubscribe.
func (b *Boards) Subscribe(ctx context.Context, s messages.Subscribe) (*messages.Subscription, error) {
	id := lastSubscriberID.Add(1)
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

// Replayed returns the first answer to a mutation whose id was already used for the same
// request, and a conflict when it was used for another one. Gateways ask it before they
// resolve a request's board, which a first answer may have deleted.
func (b *Boards) Replayed(ctx context.Context, meta messages.Meta) (messages.Result, bool, error) {
	return replayed(ctx, b.store, meta)
}

// CreateBoard creates a board owned by the caller with the lists To Do, In Progress and Done.
// It emits no event: the board starts at seq 0. A retry with the same mutation id returns the
// first board.
func (b *Boards) CreateBoard(ctx context.Context, c messages.CreateBoard) (messages.Board, error) {
	if err := c.Validate(); err != nil {
		return messages.Board{}, err
	}
	if res, found, err := replayed(ctx, b.store, c.Meta); found || err != nil {
		if err != nil || res.Board == nil {
			return messages.Board{}, err
		}
		return *res.Board, nil
	}
	now := messages.NewTime(b.opts.Clock())
	board := messages.Board{ID: newID("board"), Name: strings.TrimSpace(c.Name), CreatedAt: now, Role: messages.RoleOwner}
	nb := messages.NewBoard{Board: board, OwnerID: c.UserID}
	for i, name := range []string{"To Do", "In Progress", "Done"} {
		nb.Lists = append(nb.Lists, messages.List{ID: newID("list"), BoardID: board.ID, Name: name, Position: i, CreatedAt: now})
	}
	var err error
	if nb.Idempotency, err = idempotency(c.Meta, messages.Result{Board: &board}); err != nil {
		return messages.Board{}, err
	}
	if err := b.store.CreateBoard(ctx, nb); err != nil {
		if messages.ErrorCode(err) != messages.CodeInternal {
			return messages.Board{}, err
		}
		return messages.Board{}, fmt.Errorf("create board: %w", err)
	}
	return board, nil
}

// ListBoards lists the boards userID is a member of, with the user's role on each.
func (b *Boards) ListBoards(ctx context.Context, userID string) ([]messages.Board, error) {
	return b.store.BoardsOf(ctx, userID)
}

// BoardOfTask returns the board holding a task, or not_found.
func (b *Boards) BoardOfTask(ctx context.Context, taskID string) (string, error) {
	return b.store.BoardOfTask(ctx, taskID)
}

// BoardOfList returns the board holding a list, or not_found.
func (b *Boards) BoardOfList(ctx context.Context, listID string) (string, error) {
	return b.store.BoardOfList(ctx, listID)
}
