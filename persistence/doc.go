// Package persistence stores taskboard in SQLite through bun: users and sessions, boards with
// their members, lists and tasks, the durable board events and idempotency records.
//
// DB implements the store the board actors need and the accounts the gateway needs, without
// importing either package: it imports messages and libraries only. Outcomes callers act on
// are *messages.Error values (not_found, conflict, unauthorized, validation) with messages
// meant for users; anything else is an internal error, wrapped with context for the log, that
// messages.AsError shows to users as "internal error". sql.ErrNoRows never leaves the package.
//
// Writes are serialised in the process: one write transaction at a time, queued in Go rather
// than in SQLite's sleeping busy handler, and board changes that wait together are committed
// together (group commit). Reads run concurrently on WAL snapshots.
package persistence
