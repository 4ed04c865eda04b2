package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/taskboard/taskboard/messages"
)

// manager owns the board id → PID map: it spawns a board on first use, forwards commands to it,
// supervises it (through its props) and passivates it on request. Commands for a board that
// is stopping wait in the manager and go to its next incarnation.
type manager struct {
	boards   map[string]*entry
	byPID    map[string]string
	newBoard func(id string) *actor.Props
}

type entry struct {
	pid      *actor.PID
	stopping bool
	pending  []pending
}

type pending struct {
	msg    any
	sender *actor.PID
}

// Receive implements actor.Actor.
func (m *manager) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case messages.Command:
		m.route(ctx, msg.Board(), msg)
	case unsubscribe:
		if e, ok := m.boards[msg.boardID]; ok && !e.stopping {
			ctx.Forward(e.pid)
		}
	case passivate:
		id, ok := m.byPID[msg.pid.Id]
		if e := m.boards[id]; ok && !e.stopping {
			e.stopping = true
			ctx.Poison(e.pid)
		}
	case wakeBoard:
		m.wake(ctx, msg)
	case roomNote:
		if e, ok := m.boards[msg.Board]; ok && !e.stopping {
			ctx.Send(e.pid, msg)
		}
	case roomResync:
		for _, e := range m.boards {
			if !e.stopping {
				ctx.Send(e.pid, msg)
			}
		}
	case heldBoards:
		ids := make([]string, 0, len(m.boards))
		for id, e := range m.boards {
			if !e.stopping {
				ids = append(ids, id)
			}
		}
		ctx.Respond(ids)
	case *actor.Terminated:
		m.terminated(ctx, msg.Who)
	}
}

// wake tells a running board (every one, for an empty id) that the database holds it at
// msg.seq.
func (m *manager) wake(ctx actor.Context, msg wakeBoard) {
	if msg.id != "" {
		if e, ok := m.boards[msg.id]; ok && !e.stopping {
			ctx.Send(e.pid, catchUp{seq: msg.seq})
		}
		return
	}
	for _, e := range m.boards {
		if !e.stopping {
			ctx.Send(e.pid, catchUp{seq: msg.seq})
		}
	}
}

func (m *manager) route(ctx actor.Context, id string, msg any) {
	e, ok := m.boards[id]
	if !ok {
		e = m.spawn(ctx, id)
	}
	if e.stopping {
		e.pending = append(e.pending, pending{msg: msg, sender: ctx.Sender()})
		return
	}
	ctx.Forward(e.pid)
}

func (m *manager) spawn(ctx actor.Context, id string) *entry {
	pid := ctx.Spawn(m.newBoard(id))
	e := &entry{pid: pid}
	m.boards[id], m.byPID[pid.Id] = e, id
	return e
}

// terminated forgets a stopped board and hands what waited for it to a fresh one.
func (m *manager) terminated(ctx actor.Context, who *actor.PID) {
	id, ok := m.byPID[who.Id]
	if !ok {
		return
	}
	delete(m.byPID, who.Id)
	e := m.boards[id]
	delete(m.boards, id)
	if len(e.pending) == 0 {
		return
	}
	next := m.spawn(ctx, id)
	for _, p := range e.pending {
		ctx.RequestWithCustomSender(next.pid, p.msg, p.sender)
	}
}
