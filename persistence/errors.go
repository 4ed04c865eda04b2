package persistence

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"

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
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgerrcode.UniqueViolation
	}
	return isConstraint(err, sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey)
}

// unavailable reports an error that says the database cannot be used now but may later: the
// disk is full, the file is read-only or gone, it is locked past the busy timeout, or an I/O
// error; for Postgres, the server cannot be reached, is starting or shutting down, or is out
// of connections, disk or memory.
func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pgerrcode.IsConnectionException(pe.Code) || pgerrcode.IsOperatorIntervention(pe.Code) ||
			pgerrcode.IsInsufficientResources(pe.Code) || pe.Code == pgerrcode.ReadOnlySQLTransaction
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) || errors.Is(err, driver.ErrBadConn) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
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
