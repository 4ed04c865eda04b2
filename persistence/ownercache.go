package persistence

import "github.com/taskboard/taskboard/messages"

// ownerCache remembers which board holds a list or a task ("list:" or "task:" + id → board
// id), so that a command on one need not ask the database: under load that query (one per
// command, its pages read again after every commit) cost half as much CPU as the commits. A
// list or task never changes boards, and every way one ends (deleted, with its list, or with
// its board) is a Commit of this DB, which forgets the owners it may end before it answers
// its callers.
type ownerCache struct{ readCache[string] }

const ownerEntries = 100000

// forgetEnded drops the owners that changes may have ended: deleted tasks, and everything
// when a list or a board is deleted (their tasks go with them). Call it once the changes
// are committed, before their callers hear of it.
func (c *ownerCache) forgetEnded(changes []messages.Change) {
	var all bool
	var tasks []string
	for _, ch := range changes {
		all = all || ch.DeleteBoard || len(ch.DeleteLists) > 0
		for _, id := range ch.DeleteTasks {
			tasks = append(tasks, "task:"+id)
		}
		for _, id := range ch.DeleteLabels {
			tasks = append(tasks, "label:"+id)
		}
		for _, id := range ch.DeleteComments {
			tasks = append(tasks, "comment:"+id)
		}
	}
	switch {
	case all:
		c.forgetAll()
	case len(tasks) > 0:
		c.forget(tasks...)
	}
}
