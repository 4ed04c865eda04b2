package persistence_test

import (
	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/persistence"
)

// DB is the store of the board actors and the accounts of the gateway.
var (
	_ actors.Store     = (*persistence.DB)(nil)
	_ gateway.Accounts = (*persistence.DB)(nil)
)
