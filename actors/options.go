package actors

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/messages"
)

// The default quotas: far above what a team uses, low enough that one account cannot make a
// board too large to load or a snapshot too large to send.
const (
	DefaultMaxTasks   = 50000
	DefaultMaxLists   = 500
	DefaultMaxMembers = 1000
	DefaultMaxBoards  = 1000
)

// Options configures Boards. Zero values take the defaults.
type Options struct {
	Logger zerolog.Logger
	// RingSize is how many recent events each board keeps in memory (default 1000).
	RingSize int
	// Retention is how many events each board keeps in the database (default 10000).
	Retention int64
	// IdleAfter is how long a board without subscribers or commands stays in memory
	// (default 5 minutes).
	IdleAfter time.Duration
	// AskTimeout bounds how long a caller waits for a board's answer (default 5 s).
	AskTimeout time.Duration
	// MaxBatch bounds how many queued changes a board commits in one transaction
	// (default 256).
	MaxBatch int
	// Quotas, each refused past it with a conflict that names it: tasks (archived ones
	// included) and lists on one board, members of one board, and boards one user owns
	// (defaults DefaultMaxTasks, DefaultMaxLists, DefaultMaxMembers, DefaultMaxBoards).
	MaxTasks, MaxLists, MaxMembers, MaxBoards int
	// MaxRestarts crashes within RestartWindow stop a board until its next use
	// (defaults 5 in 10 s).
	MaxRestarts   int
	RestartWindow time.Duration
	// OnLifecycle, if set, is told when a board loads, restarts after a crash or stops
	// (passivated or shut down). It runs on the board's goroutine and must not block.
	OnLifecycle func(boardID string, e Lifecycle)
	// Observer is told about board actors, commits, events and mutations, for metrics
	// (default: nobody).
	Observer Observer
	// Clock is the source of event and task times, of room timings and of idleness
	// (default time.Now).
	Clock func() time.Time
	// AfterFunc arms the boards' timers (typing expiry, held-back cursors, passivation) and
	// returns a function that stops the timer (default: time.AfterFunc). Its callback only
	// sends the board a message. Tests replace it, with Clock, by a fake clock.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
	// TypingTimeout and CursorInterval are the room timings (defaults messages.TypingTimeout
	// and messages.CursorInterval).
	TypingTimeout  time.Duration
	CursorInterval time.Duration
}

func (o Options) withDefaults() Options {
	if o.RingSize <= 0 {
		o.RingSize = 1000
	}
	if o.Retention <= 0 {
		o.Retention = 10000
	}
	if o.IdleAfter <= 0 {
		o.IdleAfter = 5 * time.Minute
	}
	if o.AskTimeout <= 0 {
		o.AskTimeout = 5 * time.Second
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.MaxTasks <= 0 {
		o.MaxTasks = DefaultMaxTasks
	}
	if o.MaxLists <= 0 {
		o.MaxLists = DefaultMaxLists
	}
	if o.MaxMembers <= 0 {
		o.MaxMembers = DefaultMaxMembers
	}
	if o.MaxBoards <= 0 {
		o.MaxBoards = DefaultMaxBoards
	}
	if o.MaxRestarts <= 0 {
		o.MaxRestarts = 5
	}
	if o.RestartWindow <= 0 {
		o.RestartWindow = 10 * time.Second
	}
	if o.OnLifecycle == nil {
		o.OnLifecycle = func(string, Lifecycle) {}
	}
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.AfterFunc == nil {
		o.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	if o.TypingTimeout <= 0 {
		o.TypingTimeout = messages.TypingTimeout
	}
	if o.CursorInterval <= 0 {
		o.CursorInterval = messages.CursorInterval
	}
	return o
}

// Lifecycle is a step in a board actor's life, as Options.OnLifecycle reports it.
type Lifecycle string

// The lifecycle steps.
const (
	Loaded     Lifecycle = "loaded"
	Restarting Lifecycle = "restarting"
	Stopped    Lifecycle = "stopped"
)
