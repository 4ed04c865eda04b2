package actors

import (
	"time"

	"github.com/taskboard/taskboard/messages"
)

// Observer is told what the boards do, for metrics. Its methods are called from board
// goroutines and from callers of Boards: they must be safe for concurrent use and must not
// block.
type Observer interface {
	// BoardStarted and BoardStopped bracket the life of a board actor: a restart after a crash
	// is a stop and a start.
	BoardStarted()
	BoardStopped()
	// Committed reports one database transaction of changes changes that took d (failed or not).
	Committed(changes int, d time.Duration, err error)
	// Published reports an event committed and fanned out to subscribers live subscribers.
	Published(typ messages.EventType, subscribers int)
	// Dropped reports a subscriber ended because its queue was full (messages.EndSlow).
	Dropped()
	// Mutated reports a mutation answered after d, from the call to Boards.Do to its answer,
	// with the error code of a refused or failed one ("" for success).
	Mutated(d time.Duration, code string)
}

// noObserver is the Observer of Options without one.
type noObserver struct{}

func (noObserver) BoardStarted()                       {}
func (noObserver) BoardStopped()                       {}
func (noObserver) Committed(int, time.Duration, error) {}
func (noObserver) Published(messages.EventType, int)   {}
func (noObserver) Dropped()                            {}
func (noObserver) Mutated(time.Duration, string)       {}
