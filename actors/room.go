package actors

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// A board's room holds the subscribers that joined it (WebSocket connections): who is there
// (presence, per user however many connections), who types, and where their cursors are. It
// is ephemeral: nothing of it is persisted or numbered, and a restarted board starts with an
// empty room that the connections join again.

// member is a subscriber's place in the room.
type member struct {
	name string
	// typing is set while the connection types on typingTask, until typingUntil; typingTold
	// is when other nodes were last told (room_nodes.go).
	typing      bool
	typingTask  *string
	typingUntil time.Time
	typingTold  time.Time
	// cursorAt is when the connection's last cursor went out; cursorNext is the latest one
	// held back until CursorInterval has passed since.
	cursorAt   time.Time
	cursorNext *messages.Cursor
}

// roomTick is sent by the board's room timer: typing may have expired, or a held-back cursor
// may be due.
type roomTick struct{}

// IgnoreDeadLetterLogging: a tick may reach a board that has just stopped.
func (roomTick) IgnoreDeadLetterLogging() {}

// joinRoom makes s a room member and returns the presence it sees first. A user's first
// connection, here and on every node, is news for the others: user_joined, then a fresh
// presence; a connection coming back after a board restart (rejoin) was never gone, so they
// only get the fresh presence.
func (b *board) joinRoom(s *subscriber, m messages.Member, rejoin bool) []byte {
	s.room = &member{name: m.Name}
	if b.roomUsers == nil {
		b.roomUsers = map[string]int{}
	}
	b.roomUsers[s.userID]++
	presence := b.presence()
	if b.roomUsers[s.userID] == 1 {
		b.joinedHere(s.userID, m.Name)
	}
	if b.roomUsers[s.userID] == 1 && !b.elsewhere(s.userID) {
		if !rejoin {
			b.deliverRoom(b.roomUser(messages.RoomUserJoined, s.userID, m.Name), s.userID)
		}
		b.deliverRoom(presence, s.userID)
	}
	b.log.Debug().Str("user", s.userID).Int("viewers", len(b.roomUsers)).Msg("joined room")
	return presence.JSON
}

// leaveRoom tells the room that s, already unsubscribed, left: its typing stops and, when it
// was its user's last connection here and on every node, the others see user_left, then a
// fresh presence.
func (b *board) leaveRoom(s *subscriber) {
	if s.room.typing {
		b.stopTyping(s)
	}
	if b.roomUsers[s.userID]--; b.roomUsers[s.userID] > 0 {
		return
	}
	delete(b.roomUsers, s.userID)
	b.leftHere(s.userID)
	if b.elsewhere(s.userID) {
		return
	}
	b.deliverRoom(b.roomUser(messages.RoomUserLeft, s.userID, s.room.name), "")
	b.deliverRoom(b.presence(), "")
	b.log.Debug().Str("user", s.userID).Int("viewers", len(b.roomUsers)).Msg("left room")
}

// deliverRoom offers a room message to every room member except the connections of user
// except: nobody sees their own typing, cursor or arrival.
func (b *board) deliverRoom(m messages.Encoded, except string) {
	b.deliver(m, func(s *subscriber) bool { return s.room != nil && s.userID != except })
}

// presence encodes the room's viewers on every node, one per user, ordered by name, then id.
func (b *board) presence() messages.Encoded {
	names := make(map[string]string, len(b.roomUsers))
	for _, users := range b.remote {
		for id, u := range users {
			names[id] = u.name
		}
	}
	for id := range b.roomUsers {
		names[id] = ""
	}
	viewers := make([]messages.Viewer, 0, len(names))
	for id, given := range names {
		viewers = append(viewers, messages.Viewer{UserID: id, Name: b.viewerName(id, given)})
	}
	slices.SortFunc(viewers, func(a, c messages.Viewer) int {
		return cmp.Or(cmp.Compare(a.Name, c.Name), cmp.Compare(a.UserID, c.UserID))
	})
	return roomMessage(messages.RoomPresence, messages.Presence{Type: messages.RoomPresence, BoardID: b.id, Viewers: viewers})
}

// roomMessage encodes a room message of type typ once for every member; it has no seq.
func roomMessage(typ messages.EventType, v any) messages.Encoded {
	data, err := json.Marshal(v)
	if err != nil {
		// Only our own plain structs are encoded here; failing is a programming error.
		panic(fmt.Sprintf("encode %s: %v", typ, err))
	}
	return messages.Encoded{Type: typ, JSON: data}
}

// roomUser encodes user_joined or user_left.
func (b *board) roomUser(typ messages.EventType, userID, name string) messages.Encoded {
	return roomMessage(typ, messages.RoomUser{Type: typ, BoardID: b.id, UserID: userID, Name: name})
}

// roomMember returns the room member behind a typing or cursor command: the caller needs role
// editor, and the subscription must be the caller's and in the room.
func (b *board) roomMember(meta messages.Meta, subID uint64, taskID *string) (*subscriber, error) {
	if _, err := b.authorize(meta.UserID, messages.RoleEditor); err != nil {
		return nil, err
	}
	s, ok := b.subs[subID]
	if !ok || s.room == nil || s.userID != meta.UserID {
		return nil, messages.Errorf(messages.CodeBadRequest, "join the board first")
	}
	if taskID != nil {
		if _, _, ok := b.st.task(*taskID); !ok {
			return nil, messages.Errorf(messages.CodeValidation, "task is not on this board").Field("taskId", "not_found")
		}
	}
	return s, nil
}

// typing starts, refreshes or stops a member's typing. Only a start or a change of task is
// news for the room; a refresh just pushes the expiry back.
func (b *board) typing(c messages.Typing) error {
	s, err := b.roomMember(c.Meta, c.Subscription, c.TaskID)
	if err != nil {
		return err
	}
	m := s.room
	if c.Stop {
		if m.typing {
			b.stopTyping(s)
		}
		return nil
	}
	news := !m.typing || !equalPtr(m.typingTask, c.TaskID)
	now := b.opts.Clock()
	m.typing, m.typingTask = true, c.TaskID
	m.typingUntil = now.Add(b.opts.TypingTimeout)
	if news {
		b.deliverRoom(b.typingMessage(messages.RoomUserTyping, s), s.userID)
	}
	b.tellTyping(s, news, now)
	b.armRoomTimer(m.typingUntil)
	return nil
}

func (b *board) stopTyping(s *subscriber) {
	msg := b.typingMessage(messages.RoomUserStoppedTyping, s)
	b.tell(roomNote{Kind: noteStopped, User: s.userID, Name: s.room.name, TaskID: s.room.typingTask}, typingKey(b.id, s.userID))
	s.room.typing, s.room.typingTask = false, nil
	b.deliverRoom(msg, s.userID)
}

// typingMessage encodes user_typing or user_stopped_typing for s's current task.
func (b *board) typingMessage(typ messages.EventType, s *subscriber) messages.Encoded {
	return roomMessage(typ, messages.RoomTyping{
		RoomUser: messages.RoomUser{Type: typ, BoardID: b.id, UserID: s.userID, Name: s.room.name},
		TaskID:   s.room.typingTask,
	})
}

// cursor shows a member's cursor to the room at once, or holds it back until CursorInterval
// has passed since the last one went out; a newer cursor replaces a held-back one.
func (b *board) cursor(c messages.Cursor) error {
	s, err := b.roomMember(c.Meta, c.Subscription, c.TaskID)
	if err != nil {
		return err
	}
	now := b.opts.Clock()
	m := s.room
	if due := m.cursorAt.Add(b.opts.CursorInterval); m.cursorAt.IsZero() || !now.Before(due) {
		b.sendCursor(s, c, now)
		return nil
	}
	m.cursorNext = &c
	b.armRoomTimer(m.cursorAt.Add(b.opts.CursorInterval))
	return nil
}

func (b *board) sendCursor(s *subscriber, c messages.Cursor, now time.Time) {
	s.room.cursorAt, s.room.cursorNext = now, nil
	b.deliverRoom(roomMessage(messages.RoomCursorMoved, messages.RoomCursor{
		RoomUser: messages.RoomUser{Type: messages.RoomCursorMoved, BoardID: b.id, UserID: s.userID, Name: s.room.name},
		X:        c.X, Y: c.Y, TaskID: c.TaskID,
	}), s.userID)
	b.tell(roomNote{Kind: noteCursor, User: s.userID, Name: s.room.name, X: c.X, Y: c.Y, TaskID: c.TaskID},
		"cursor/"+b.id+"/"+s.userID)
}

// roomTick expires typing, sends held-back cursors that are due and does what is due of the
// rooms across nodes (room_nodes.go), then arms the timer for the next deadline.
func (b *board) roomTick() {
	b.roomTimerStop, b.roomTimerAt = nil, time.Time{}
	now := b.opts.Clock()
	var due []uint64
	for id, s := range b.subs {
		if next, ok := b.deadline(s); ok && !now.Before(next) {
			due = append(due, id)
		}
	}
	for _, id := range due {
		if s, ok := b.subs[id]; ok && s.room.typing && !now.Before(s.room.typingUntil) {
			b.stopTyping(s)
		}
		// Stopping typing may have dropped a slow subscriber: look it up again.
		if s, ok := b.subs[id]; ok && s.room.cursorNext != nil && !now.Before(s.room.cursorAt.Add(b.opts.CursorInterval)) {
			b.sendCursor(s, *s.room.cursorNext, now)
		}
	}
	b.nodesTick(now)
	for _, s := range b.subs {
		if next, ok := b.deadline(s); ok {
			b.armRoomTimer(next)
		}
	}
	if next, ok := b.nodesDeadline(); ok {
		b.armRoomTimer(next)
	}
}

// deadline returns the next time a room member needs the timer.
func (b *board) deadline(s *subscriber) (time.Time, bool) {
	m := s.room
	if m == nil {
		return time.Time{}, false
	}
	var next time.Time
	if m.typing {
		next = m.typingUntil
	}
	if m.cursorNext != nil {
		if at := m.cursorAt.Add(b.opts.CursorInterval); next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next, !next.IsZero()
}

// armRoomTimer makes sure the room timer fires by at. The timer's callback only sends the
// board a roomTick: it never touches the board.
func (b *board) armRoomTimer(at time.Time) {
	if b.roomTimerStop != nil && !b.roomTimerAt.After(at) {
		return
	}
	b.stopRoomTimer()
	wake := b.wake
	b.roomTimerAt = at
	b.roomTimerStop = b.opts.AfterFunc(max(at.Sub(b.opts.Clock()), 0), func() {
		if wake != nil {
			wake()
		}
	})
}

func (b *board) stopRoomTimer() {
	if b.roomTimerStop != nil {
		b.roomTimerStop()
	}
	b.roomTimerStop, b.roomTimerAt = nil, time.Time{}
}

func equalPtr(a, b *string) bool {
	return a == b || (a != nil && b != nil && *a == *b)
}
