package persistence

import (
	"time"

	"github.com/taskboard/taskboard/messages"
)

// Times are stored as unix milliseconds: the protocol's precision, compact, and ordered as
// integers. These two conversions are the only place that knows.

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) messages.Time { return messages.NewTime(time.UnixMilli(ms)) }

// millisOr is t in milliseconds, or fallback when t is zero.
func millisOr(t messages.Time, fallback time.Time) int64 {
	if t.IsZero() {
		return millis(fallback)
	}
	return millis(t.Time)
}
