package persistence

import (
	"context"
	"errors"

	"github.com/mattn/go-sqlite3"

	"github.com/taskboard/taskboard/messages"
)

// isConstraint reports whether err is a SQLite constraint violation of the given kind
// (sqlite3.ErrConstraintUnique, ErrConstraintPrimaryKey, ErrConstraintForeignKey...).
func isConstraint(err error, kinds ...sqlite3.ErrNoExtended) bool {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	for _, k := range kinds {
		if se.ExtendedCode == k {
			return true
		}
	}
	return false
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUniqueViolation(err error) bool {
	return isConstraint(err, sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey)
}

// unavailable reports an error that says the database cannot be used now but may later: the
// disk is full, the file is read-only or gone, it is locked past the busy timeout, or an I/O
// error.
func unavailable(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrFull, sqlite3.ErrReadonly, sqlite3.ErrIoErr, sqlite3.ErrCantOpen,
			sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrNoLFS, sqlite3.ErrCorrupt:
			return true
		}
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// classify turns *err, as an exported method returns it, into messages.Unavailable when the
// database cannot be used now, so that every caller answers 503 rather than 500. Deferred at
// the top of a method.
func classify(err *error) {
	if *err != nil && unavailable(*err) && messages.ErrorCode(*err) == messages.CodeInternal {
		*err = messages.Unavailable(*err)
	}
}
