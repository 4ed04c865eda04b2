package actors

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/rs/zerolog"
	"github.com/taskboard/taskboard/messages"
)

// storeTimeout bounds one Store call made by a board.
const storeTimeout = 10 * time.Second

// board is one board's behaviour as a plain struct: the actor around it only routes messages,
// so most of it can be tested without an actor system. It is not safe for concurrent use.
type board struct {
	id    string
	store Store
	opts  Options
	log   zerolog.Logger

	st       *state
	seq      int64 // the last committed event
	firstSeq int64 // the oldest event still in the database
	ring     *ring
	subs     subscribers
	loadErr  error // a failed load, retried on the next command
	deleted  bool

	staged []staged      // applied in memory, waiting for the next transaction (batch.go)
	held   messages.Hold // the board's lock in a shared store, while a change is planned (shared.go)
	shared bool          // other nodes write the store too

	// The room (room.go): connections per user in it, and the timer of its deadlines, whose
	// callback calls wake (set by the actor: it sends the board a roomTick).
	roomUsers     map[string]int
	roomTimerAt   time.Time
	roomTimerStop func() bool
	wake          func()
	// The room across nodes (room_nodes.go): this node's id, the store that carries notes to
	// the other nodes (nil on a single node), the users in the room on each other node, and
	// when the room's users are announced next.
	node       string
	nodes      SharedStore
	remote     map[string]map[string]*remoteUser
	announceAt time.Time
}

func newBoard(id string, store Store, opts Options) *board {
	b := &board{
		id:    id,
		store: store,
		opts:  opts,
		log:   opts.Logger.With().Str("board", id).Logger(),
		subs:  subscribers{},
	}
	if s, ok := shared(store); ok {
		b.shared, b.nodes = true, s
	}
	return b
}

// load reads the board from the store; after a restart it is how the board recovers.
func (b *board) load() error {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	s, err := b.store.LoadBoard(ctx, b.id, b.opts.RingSize)
	if err != nil {
		b.loadErr = err
		if messages.ErrorCode(err) != messages.CodeNotFound {
			b.log.Error().Err(err).Msg("load board")
		}
		return err
	}
	b.st, b.seq, b.firstSeq = newState(s), s.Seq, s.FirstSeq
	b.ring = newRing(b.opts.RingSize, s.Recent)
	b.loadErr = nil
	b.log.Debug().Int64("seq", b.seq).Int("tasks", len(s.Tasks)).Msg("board loaded")
	return nil
}

// ready reports why the board cannot serve commands, retrying a failed load.
func (b *board) ready() error {
	if b.deleted {
		return messages.NotFound("board")
	}
	if b.st == nil || b.loadErr != nil {
		if messages.ErrorCode(b.loadErr) == messages.CodeNotFound {
			return b.loadErr
		}
		if err := b.load(); err != nil {
			return unavailable(err)
		}
	}
	return nil
}

func unavailable(err error) error {
	if messages.ErrorCode(err) == messages.CodeNotFound {
		return err
	}
	return messages.Errorf(messages.CodeUnavailable, "board is unavailable, try again")
}

// authorize checks that user is a member with at least role need. A non-member learns
// nothing: the board is not found.
func (b *board) authorize(userID string, need messages.Role) (messages.Member, error) {
	if err := b.ready(); err != nil {
		return messages.Member{}, err
	}
	m, ok := b.st.members[userID]
	if !ok {
		return messages.Member{}, messages.NotFound("board")
	}
	if !m.Role.Allows(need) {
		return m, messages.Errorf(messages.CodeForbidden, "your role on this board does not allow this")
	}
	return m, nil
}

// admit runs the checks every change shares: the role it needs, then an idempotent replay. It
// reports done when the answer is already known: an error, or the first answer to a retry.
func (b *board) admit(m messages.Mutation, need messages.Role) (res messages.Result, done bool, err error) {
	if _, err := b.authorize(m.Trace().UserID, need); err != nil {
		return messages.Result{}, true, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	res, found, err := firstAnswer(ctx, b.store, m)
	return res, found || err != nil, err
}

// firstAnswer looks up m's mutation id: a retry with the same fingerprint gets the answer the
// first request got; the id used for another fingerprint is a conflict.
func firstAnswer(ctx context.Context, store Store, m messages.Mutation) (messages.Result, bool, error) {
	meta := m.Trace()
	if meta.MutationID == "" {
		return messages.Result{}, false, nil
	}
	raw, found, err := store.Idempotent(ctx, meta.UserID, meta.MutationID)
	if err != nil || !found {
		return messages.Result{}, false, err
	}
	var r messages.Replay
	if err := json.Unmarshal(raw, &r); err != nil {
		return messages.Result{}, false, fmt.Errorf("decode idempotency record: %w", err)
	}
	if r.Fingerprint != m.Fingerprint() {
		return messages.Result{}, true, messages.Errorf(messages.CodeConflict,
			"this idempotency key was already used for a different request")
	}
	return r.Result, true, nil
}

// idempotency returns the record of m's mutation id answered with res, if it has one.
func idempotency(m messages.Mutation, res messages.Result) (*messages.Idempotency, error) {
	meta := m.Trace()
	if meta.MutationID == "" {
		return nil, nil
	}
	raw, err := json.Marshal(messages.Replay{Fingerprint: m.Fingerprint(), Result: res})
	if err != nil {
		return nil, fmt.Errorf("encode idempotency record: %w", err)
	}
	return &messages.Idempotency{UserID: meta.UserID, Key: meta.MutationID, Result: raw}, nil
}

// commit applies c in memory with ev as the board's next event and stages it for the board's
// next transaction (batch.go): the caller's reply, the event's buffering and its fan-out wait
// for that commit. It returns the result the reply will carry.
func (b *board) commit(m messages.Mutation, ev messages.Event, c messages.Change, res messages.Result, apply func()) (messages.Result, error) {
	meta := m.Trace()
	ev.BoardID, ev.Seq = b.id, b.seq+1
	if ev.At.IsZero() { // set by a change whose rows carry the event's time
		ev.At = messages.NewTime(b.opts.Clock())
	}
	ev.ActorID, ev.RequestID, ev.ClientMutationID = meta.UserID, meta.RequestID, meta.MutationID
	enc, err := messages.Encode(ev)
	if err != nil {
		return messages.Result{}, fmt.Errorf("encode %s: %w", ev.Type, err)
	}
	c.BoardID, c.Event, c.Encoded = b.id, ev, enc
	res.Seq = ev.Seq
	if c.Idempotency, err = idempotency(m, res); err != nil {
		return messages.Result{}, err
	}
	if ev.Seq-b.firstSeq >= b.opts.Retention+b.pruneBatch() {
		c.PruneBefore = ev.Seq - b.opts.Retention + 1
	}
	b.advance(c, apply)
	b.staged = append(b.staged, staged{change: c, res: res})
	return res, nil
}

// afterCommit runs f once the change staged last is committed and its event published:
// effects that must not happen for a change that fails, such as ending streams.
func (b *board) afterCommit(f func()) {
	b.staged[len(b.staged)-1].after = f
}

// persist commits changes in one transaction.
func (b *board) persist(changes ...messages.Change) error {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	start := time.Now()
	var err error
	if h := b.held; h != nil {
		b.held = nil
		err = h.Commit(ctx, changes...)
	} else {
		err = b.store.Commit(ctx, changes...)
	}
	b.opts.Observer.Committed(len(changes), time.Since(start), err)
	return err
}

// rollback undoes the changes of a failed transaction, which are applied in memory already,
// and returns the error their callers get. A single change the store refused for a reason of
// its own (a mutation id used at the same moment elsewhere) reloads the state: nothing was
// published, so the subscribers stay. Anything else may mean the state is stale (the database
// changed behind the board's back): the board forgets it and its subscribers resume.
func (b *board) rollback(changes []messages.Change, err error) error {
	first := changes[0]
	if messages.ErrorCode(err) != messages.CodeInternal && len(changes) == 1 && b.load() == nil && b.seq == first.Event.Seq-1 {
		return err
	}
	b.log.Error().Err(err).Str("req", first.Event.RequestID).Int64("seq", first.Event.Seq).Int("changes", len(changes)).
		Msg("commit failed; reloading the board")
	b.forget()
	return messages.Errorf(messages.CodeUnavailable, "the change could not be saved, try again")
}

// advance applies a change to the state in memory and moves the board's seq to its event.
func (b *board) advance(c messages.Change, apply func()) {
	b.seq = c.Event.Seq
	if c.PruneBefore > 0 {
		b.firstSeq = c.PruneBefore
	}
	apply()
}

// publish buffers a committed change's event and fans it out. Only the live deliveries carry
// the commit time: a replay from the ring is not a delivery whose latency means anything.
func (b *board) publish(c messages.Change) {
	b.ring.push(c.Encoded)
	b.log.Debug().Str("req", c.Event.RequestID).Int64("seq", c.Event.Seq).Str("type", string(c.Event.Type)).
		Str("user", c.Event.ActorID).Int("subscribers", len(b.subs)).Msg("event committed")
	b.opts.Observer.Published(c.Event.Type, len(b.subs))
	live := c.Encoded
	live.Committed = time.Now()
	b.fanOut(live)
}

// forget drops the state after a failed commit, which may mean it is stale (the database was
// changed behind the board's back): the next command reloads it, and subscribers subscribe
// again from their last seq, so that they miss nothing either way.
func (b *board) forget() {
	b.st = nil
	b.closeAll(messages.EndRestarted)
}

func (b *board) pruneBatch() int64 { return max(b.opts.Retention/10, 1) }

func (b *board) now() messages.Time { return messages.NewTime(b.opts.Clock()) }

// newID returns a fresh sortable id such as task_01J….
func newID(prefix string) string { return prefix + "_" + ulid.Make().String() }

func (b *board) snapshot(c messages.GetSnapshot) (messages.Result, error) {
	m, err := b.authorize(c.UserID, messages.RoleViewer)
	if err != nil {
		return messages.Result{}, err
	}
	bd := b.st.board
	bd.Role = m.Role
	return messages.Result{
		Snapshot: &messages.Snapshot{Board: bd, Lists: append([]messages.List{}, b.st.lists...), Tasks: b.st.allTasks(),
			Labels: append([]messages.Label{}, b.st.labels...), Seq: b.seq},
		Seq: b.seq,
	}, nil
}

func (b *board) updateBoard(c messages.UpdateBoard) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleOwner); done {
		return res, err
	}
	next := b.st.board
	next.Name, next.Role = strings.TrimSpace(c.Name), ""
	reply := next
	reply.Role = messages.RoleOwner
	if next.Name == b.st.board.Name {
		return messages.Result{Board: &reply, Seq: b.seq}, nil
	}
	return b.commit(c, messages.Event{Type: messages.BoardUpdated, Board: &next},
		messages.Change{Board: &next}, messages.Result{Board: &reply},
		func() { b.st.board = next })
}

func (b *board) deleteBoard(c messages.DeleteBoard) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleOwner); done {
		return res, err
	}
	res, err := b.commit(c, messages.Event{Type: messages.BoardDeleted},
		messages.Change{DeleteBoard: true}, messages.Result{}, func() {})
	if err == nil {
		b.afterCommit(func() {
			b.deleted = true
			b.closeAll(messages.EndDeleted)
		})
	}
	return res, err
}

// overQuota is the conflict of a change that would take the board past one of its quotas.
func overQuota(what string, limit int) error {
	return messages.Errorf(messages.CodeConflict, "this board has reached its limit of %d %s", limit, what)
}
