package persistence

import (
	"sync"

	"github.com/taskboard/taskboard/messages"
)

// ownerCache remembers which board holds a list or a task, so that a command on one need
// not ask the database: under load that query (one per command, its pages read again after
// every commit) cost half as much CPU as the commits. A list or task never changes boards,
// and every way one ends (deleted, with its list, or with its board) is a Commit of this
// DB, which forgets the owners it may end before it answers its callers. The generation
// makes sure that an answer read before such a commit is never stored after it.
type ownerCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]string // "list:" or "task:" + id → board id
}

const ownerEntries = 100000

// get returns the board cached for key, and the generation to hand to put after a miss.
func (c *ownerCache) get(key string) (string, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	board, ok := c.entries[key]
	return board, ok, c.gen
}

// put caches board for key unless something was forgotten since gen was read.
func (c *ownerCache) put(key, board string, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= ownerEntries {
		c.entries = map[string]string{}
	}
	c.entries[key] = board
}

// forgetEnded drops the owners that changes may have ended: deleted tasks, and everything
// when a list or a board is deleted (their tasks go with them). Call it once the changes
// are committed, before their callers hear of it.
func (c *ownerCache) forgetEnded(changes []messages.Change) {
	var all bool
	var tasks []string
	for _, ch := range changes {
		all = all || ch.DeleteBoard || len(ch.DeleteLists) > 0
		tasks = append(tasks, ch.DeleteTasks...)
	}
	if !all && len(tasks) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if all {
		clear(c.entries)
		return
	}
	for _, id := range tasks {
		delete(c.entries, "task:"+id)
	}
}
