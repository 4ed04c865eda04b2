package persistence

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// checkpointEvery is how often the checkpointer copies the WAL's committed pages into the
// database file.
const checkpointEvery = 200 * time.Millisecond

// checkpointer copies committed pages from the WAL into the database file, from a connection
// of its own, so that no commit waits for it. A passive checkpoint runs beside the writer and
// the readers; once it has copied the whole WAL, the next commit starts writing the WAL from
// its beginning again. Commits to many boards rewrite the same index pages: one checkpoint
// every 200 ms copies each such page once for many commits.
type checkpointer struct {
	conn    bun.Conn
	stop    chan struct{}
	done    chan struct{}
	stopped sync.Once
	// checkpointed, if set, is called after each checkpoint: tests wait on it
	// (export_test.go).
	checkpointed atomic.Pointer[func()]
}

// startCheckpointer checkpoints db every interval until stopped.
func startCheckpointer(ctx context.Context, db *DB, every time.Duration) (*checkpointer, error) {
	conn, err := db.bun.Conn(ctx)
	if err != nil {
		return nil, err
	}
	c := &checkpointer{conn: conn, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run(db, every)
	return c, nil
}

func (c *checkpointer) run(db *DB, every time.Duration) {
	defer close(c.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-tick.C:
		case <-c.stop:
			return
		}
		// A checkpoint with nothing new to copy reads the WAL's header and returns.
		// A failure is logged when it starts and when it ends, not five times a second.
		_, err := c.conn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
		switch {
		case err != nil && !failing:
			db.log.Warn().Err(err).Msg("WAL checkpoints failing")
		case err == nil && failing:
			db.log.Info().Msg("WAL checkpoints succeed again")
		}
		failing = err != nil
		if f := c.checkpointed.Load(); f != nil {
			(*f)()
		}
	}
}

// close stops the checkpointer and closes its connection; calls after the first do nothing.
func (c *checkpointer) close() (err error) {
	c.stopped.Do(func() {
		close(c.stop)
		<-c.done
		err = c.conn.Close()
	})
	return err
}
