package persistence

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// eventsChannel is the NOTIFY channel on which a node announces "boardId:seq" after a
// commit. A notification is only a wake-up: nodes also catch up when a board is held, read,
// joined or subscribed to, after (re)connecting their listener, and by polling (actors'
// watcher), so that a lost notification delays nothing by more than the poll.
const eventsChannel = "taskboard_events"

// announceSQL announces one board's seq. A board that holds its row sends it in its commit's
// batch, right after COMMIT and outside the transaction: the other nodes hear of the commit
// as soon as it is made, with no round trip and no wait for a goroutine of its own, which on
// a busy node waited behind the board's fan-out to its own subscribers. Other commits are
// announced by the notifier.
const announceSQL = "SELECT pg_notify('" + eventsChannel + "', ?)"

// announcement is the payload that announces board at seq.
func announcement(boardID string, seq int64) string {
	return boardID + ":" + strconv.FormatInt(seq, 10)
}

// errUnannounced is the failure of an announcement sent after COMMIT: the commit is made.
var errUnannounced = errors.New("commit made, announcement failed")

// unannounced is the wrap of announceSQL's error.
func unannounced(err error) error { return fmt.Errorf("%w: %w", errUnannounced, err) }

// notifier sends the announcements of the commits not announced in their own batch (see
// announceSQL) from one goroutine, after the commits and never inside them (a NOTIFY inside a transaction takes a database-wide lock at commit). It
// keeps only the newest seq of each board until the next send, so that a burst of commits
// costs one statement.
type notifier struct {
	db      *DB
	mu      sync.Mutex
	pending map[string]int64
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

func startNotifier(db *DB) *notifier {
	n := &notifier{db: db, pending: map[string]int64{}, wake: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	go n.run()
	return n
}

// note announces that board is at seq, soon.
func (n *notifier) note(boardID string, seq int64) {
	if n == nil || n.db.opts.NoNotify {
		return
	}
	n.mu.Lock()
	n.pending[boardID] = max(n.pending[boardID], seq)
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *notifier) run() {
	defer close(n.done)
	for {
		select {
		case <-n.stop:
			return
		case <-n.wake:
		}
		n.mu.Lock()
		batch := n.pending
		n.pending = map[string]int64{}
		n.mu.Unlock()
		payloads := make([]string, 0, len(batch))
		for _, id := range slices.Sorted(maps.Keys(batch)) {
			payloads = append(payloads, announcement(id, batch[id]))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := n.db.bun.DB.ExecContext(ctx,
			"SELECT pg_notify('"+eventsChannel+"', x) FROM unnest($1::text[]) AS x", payloads)
		cancel()
		if err != nil {
			// The other nodes' poll finds these commits within a second.
			n.db.log.Warn().Err(err).Int("boards", len(payloads)).Msg("announce commits")
		}
	}
}

func (n *notifier) close() {
	if n == nil {
		return
	}
	close(n.stop)
	<-n.done
}

// Shared reports whether other nodes write this database too (Postgres): boards then hold
// their row to change, and catch up on what others committed.
func (db *DB) Shared() bool { return db.pg }

// Watch calls changed(boardID, seq) for every commit another node announces (this node's own
// too), and resync after its listener (re)connects, when announcements may have been missed.
// It runs until ctx ends, reconnecting after a failure; on SQLite it returns at once.
func (db *DB) Watch(ctx context.Context, changed func(boardID string, seq int64), resync func()) {
	if !db.pg {
		return
	}
	db.listenTo(ctx, eventsChannel, resync, func(payload string) {
		id, seq, ok := strings.Cut(payload, ":")
		s, err := strconv.ParseInt(seq, 10, 64)
		if ok && err == nil {
			changed(id, s)
		}
	})
}

// Seqs returns the committed seq of each of the boards that exist, for a node's poll of the
// boards it holds. On SQLite, which no other node writes, there is nothing to poll.
func (db *DB) Seqs(ctx context.Context, boardIDs []string) (_ map[string]int64, err error) {
	defer classify(&err)
	out := make(map[string]int64, len(boardIDs))
	if !db.pg || len(boardIDs) == 0 {
		return out, nil
	}
	rows, err := db.bun.DB.QueryContext(ctx, "SELECT id, seq FROM boards WHERE id = ANY($1::text[])", boardIDs)
	if err != nil {
		return nil, fmt.Errorf("seqs of %d boards: %w", len(boardIDs), err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return nil, fmt.Errorf("seqs: %w", err)
		}
		out[id] = seq
	}
	return out, rows.Err()
}
