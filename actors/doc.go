// Package actors owns taskboard's behaviour: one protoactor actor per board, the single writer
// of that board, and a manager that spawns, supervises and passivates them.
//
// A board actor loads its state when it starts, validates every command against it, commits
// the change and its event through Store in one transaction, then applies it in memory,
// numbers and buffers the event and fans it out to subscribers without ever blocking.
// Boards is the front the gateways use; they never see a PID. This package imports messages
// and libraries only.
package actors
