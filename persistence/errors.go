package persistence

import (
	"errors"

	"github.com/mattn/go-sqlite3"
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
