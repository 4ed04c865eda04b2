package actors

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// Nodes that share a store (Postgres) share their boards' rooms too, as soft state: never
// stored, never numbered. A board tells the other nodes, over the store's room channel, who
// of its room joined and left, who types and where cursors are, and every AnnounceEvery
// re-announces who is there. A board merges the users present on other nodes into its room:
// presence lists them once, user_joined and user_left follow a user's first and last
// connection on all the nodes, typing and cursors reach its members. A user another node
// stopped announcing for PresenceTimeout (the node died) leaves; typing, whose refreshes are
// told too (at most one a second), ends without one, as on its own node.
//
// A board whose room gets its first member on this node says hello with that join: every
// node with members in the board's room answers at once with who is there, so that the
// newcomer's presence is complete within a round trip. A user learned that way, or from a
// re-announcement, only changes presence: it was there already. After the node's listener
// (re)connects, its boards say hello again. A node shutting down tells the others its users
// left; a board restarting does not, as its connections come back.

// The timings of rooms across nodes.
const (
	// AnnounceEvery is how often a board re-announces the users of its room to other nodes.
	AnnounceEvery = 10 * time.Second
	// PresenceTimeout is how long a user on another node stays present without being
	// announced again.
	PresenceTimeout = 30 * time.Second
)

// maxNote bounds an encoded roomNote, under the store's limit for a room message.
const maxNote = 7000

// noteKind is what a roomNote says.
type noteKind string

const (
	noteJoin    noteKind = "join"    // User's first connection on Node joined
	noteLeave   noteKind = "leave"   // User's last connection on Node left
	noteHere    noteKind = "here"    // Users are in the room on Node (a re-announcement)
	noteTyping  noteKind = "typing"  // User types on TaskID
	noteStopped noteKind = "stopped" // User stopped typing on TaskID
	noteCursor  noteKind = "cursor"  // User's cursor is at X, Y (on TaskID)
)

// roomNote is what a board tells the other nodes' boards about its room, as JSON on the
// store's room channel.
type roomNote struct {
	Node  string   `json:"node"`
	Board string   `json:"board"`
	Kind  noteKind `json:"kind"`
	User  string   `json:"user,omitempty"`
	Name  string   `json:"name,omitempty"`
	// Hello asks every node with members in the room to announce them now.
	Hello  bool              `json:"hello,omitempty"`
	Users  []messages.Viewer `json:"users,omitempty"`
	TaskID *string           `json:"taskId,omitempty"`
	X      float64           `json:"x,omitempty"`
	Y      float64           `json:"y,omitempty"`
}

// roomResync is sent to every running board after the node's room listener (re)connected:
// notes may have been missed.
type roomResync struct{}

func (roomNote) IgnoreDeadLetterLogging()   {}
func (roomResync) IgnoreDeadLetterLogging() {}

// remoteUser is a user present in the room on another node. Its typing lasts a little longer
// than TypingTimeout after the last note about it, so that it stops even if the note that
// stops it is lost.
type remoteUser struct {
	name        string
	seen        time.Time // when it was last announced
	typing      bool
	typingTask  *string
	typingUntil time.Time
}

// tell sends n to the other nodes; with a key, a newer note with the same key replaces it
// while it waits to be sent. On a single node it does nothing.
func (b *board) tell(n roomNote, key string) {
	if b.nodes == nil {
		return
	}
	n.Node, n.Board = b.node, b.id
	data, err := json.Marshal(n)
	if err != nil {
		panic(fmt.Sprintf("encode room note: %v", err)) // our own plain struct
	}
	b.nodes.PublishRoom(key, data)
}

// announce tells the other nodes who is in the room here, in as many notes as their size
// needs; with hello, the first asks them to do the same.
func (b *board) announce(hello bool) {
	if b.nodes == nil || len(b.roomUsers) == 0 {
		return
	}
	users := make([]messages.Viewer, 0, len(b.roomUsers))
	for id := range b.roomUsers {
		users = append(users, messages.Viewer{UserID: id, Name: b.viewerName(id, "")})
	}
	slices.SortFunc(users, func(a, c messages.Viewer) int { return cmp.Compare(a.UserID, c.UserID) })
	b.announceUsers(users, hello, 0)
}

func (b *board) announceUsers(users []messages.Viewer, hello bool, part int) int {
	n := roomNote{Node: b.node, Board: b.id, Kind: noteHere, Hello: hello, Users: users}
	if data, _ := json.Marshal(n); len(data) > maxNote && len(users) > 1 {
		half := len(users) / 2
		part = b.announceUsers(users[:half], hello, part)
		return b.announceUsers(users[half:], hello, part)
	}
	n.Hello = hello && part == 0
	b.tell(n, fmt.Sprintf("here/%s/%d", b.id, part))
	return part + 1
}

// joinedHere tells the other nodes that a user's first connection here joined; the room's
// first member says hello and starts the re-announcements.
func (b *board) joinedHere(userID, name string) {
	if b.nodes == nil {
		return
	}
	first := len(b.roomUsers) == 1
	b.tell(roomNote{Kind: noteJoin, User: userID, Name: name, Hello: first}, "")
	if first {
		b.announceAt = b.opts.Clock().Add(AnnounceEvery)
		b.armRoomTimer(b.announceAt)
	}
}

// leftHere tells the other nodes that a user's last connection here left.
func (b *board) leftHere(userID string) {
	b.tell(roomNote{Kind: noteLeave, User: userID}, "")
	if len(b.roomUsers) == 0 {
		b.announceAt = time.Time{}
	}
}

// present reports whether a user is in the room, here or on another node.
func (b *board) present(userID string) bool {
	return b.roomUsers[userID] > 0 || b.elsewhere(userID)
}

// elsewhere reports whether a user is in the room on another node.
func (b *board) elsewhere(userID string) bool {
	for _, users := range b.remote {
		if _, ok := users[userID]; ok {
			return true
		}
	}
	return false
}

// viewerName is a user's name in the room: their member name, or else the one another node
// gave.
func (b *board) viewerName(userID, given string) string {
	if b.st != nil {
		if m, ok := b.st.members[userID]; ok {
			return m.Name
		}
	}
	return given
}

// fromNode merges what another node says about the room.
func (b *board) fromNode(n roomNote) {
	if b.nodes == nil || n.Node == b.node {
		return
	}
	switch n.Kind {
	case noteJoin:
		news := !b.present(n.User)
		b.seen(n.Node, n.User, n.Name)
		if news {
			b.deliverRoom(b.roomUser(messages.RoomUserJoined, n.User, b.viewerName(n.User, n.Name)), n.User)
			b.deliverRoom(b.presence(), n.User)
		}
	case noteHere:
		news := false
		for _, v := range n.Users {
			news = news || !b.present(v.UserID)
			b.seen(n.Node, v.UserID, v.Name)
		}
		if news {
			b.deliverRoom(b.presence(), "")
		}
	case noteLeave:
		if b.forgetRemote(n.Node, n.User) {
			b.deliverRoom(b.presence(), "")
		}
	case noteTyping:
		b.remoteTyping(n)
	case noteStopped:
		if u := b.remote[n.Node][n.User]; u != nil && u.typing {
			u.typing, u.typingTask = false, nil
			b.deliverRoom(b.remoteTypingMessage(messages.RoomUserStoppedTyping, n.User, n.Name, n.TaskID), n.User)
		}
	case noteCursor:
		b.deliverRoom(roomMessage(messages.RoomCursorMoved, messages.RoomCursor{
			RoomUser: messages.RoomUser{Type: messages.RoomCursorMoved, BoardID: b.id, UserID: n.User, Name: n.Name},
			X:        n.X, Y: n.Y, TaskID: n.TaskID,
		}), n.User)
	}
	if n.Hello {
		b.announce(false)
	}
}

// tellTyping tells other nodes about a member's typing: its start or change of task, and a
// refresh when the last note is refreshEvery old, so that they can end a typing that is not
// refreshed as this node does.
func (b *board) tellTyping(s *subscriber, news bool, now time.Time) {
	if b.nodes == nil || (!news && now.Sub(s.room.typingTold) < b.refreshEvery()) {
		return
	}
	s.room.typingTold = now
	b.tell(roomNote{Kind: noteTyping, User: s.userID, Name: s.room.name, TaskID: s.room.typingTask}, typingKey(b.id, s.userID))
}

// refreshEvery is how often a typing refresh is told to other nodes at most; they let a
// typing last this much longer than TypingTimeout after the last note.
func (b *board) refreshEvery() time.Duration { return b.opts.TypingTimeout / 5 }

// typingKey coalesces a user's typing notes on a board while they wait to be sent: the last
// one, start or stop, wins.
func typingKey(boardID, userID string) string { return "typing/" + boardID + "/" + userID }

// remoteTyping starts or refreshes the typing of a user on another node; only a start or a
// change of task is news. The typing of a user not known to be there is ignored: the join
// note was lost, and the next announcement repairs it.
func (b *board) remoteTyping(n roomNote) {
	u := b.remote[n.Node][n.User]
	if u == nil {
		return
	}
	news := !u.typing || !equalPtr(u.typingTask, n.TaskID)
	u.typing, u.typingTask = true, n.TaskID
	u.typingUntil = b.opts.Clock().Add(b.opts.TypingTimeout + b.refreshEvery())
	b.armRoomTimer(u.typingUntil)
	if news {
		b.deliverRoom(b.remoteTypingMessage(messages.RoomUserTyping, n.User, n.Name, n.TaskID), n.User)
	}
}

// remoteTypingMessage encodes user_typing or user_stopped_typing of a user on another node.
func (b *board) remoteTypingMessage(typ messages.EventType, userID, name string, taskID *string) messages.Encoded {
	return roomMessage(typ, messages.RoomTyping{
		RoomUser: messages.RoomUser{Type: typ, BoardID: b.id, UserID: userID, Name: name},
		TaskID:   taskID,
	})
}

// seen records that a user is in the room on node, for PresenceTimeout from now.
func (b *board) seen(node, userID, name string) {
	if b.remote == nil {
		b.remote = map[string]map[string]*remoteUser{}
	}
	users := b.remote[node]
	if users == nil {
		users = map[string]*remoteUser{}
		b.remote[node] = users
	}
	u := users[userID]
	if u == nil {
		u = &remoteUser{}
		users[userID] = u
	}
	u.name, u.seen = name, b.opts.Clock()
	b.armRoomTimer(u.seen.Add(PresenceTimeout))
}

// forgetRemote removes a user on node from the room: a typing that was not stopped stops,
// and if the user is nowhere else now, the room sees them leave. It reports whether they
// left; the caller then delivers a fresh presence.
func (b *board) forgetRemote(node, userID string) bool {
	u := b.remote[node][userID]
	if u == nil {
		return false
	}
	delete(b.remote[node], userID)
	if len(b.remote[node]) == 0 {
		delete(b.remote, node)
	}
	name := b.viewerName(userID, u.name)
	if u.typing {
		b.deliverRoom(b.remoteTypingMessage(messages.RoomUserStoppedTyping, userID, name, u.typingTask), userID)
	}
	if b.present(userID) {
		return false
	}
	b.deliverRoom(b.roomUser(messages.RoomUserLeft, userID, name), "")
	return true
}

// nodesTick re-announces the room's users when it is time, stops the typing of users on
// other nodes that was not refreshed, and lets the users other nodes stopped announcing
// leave.
func (b *board) nodesTick(now time.Time) {
	if !b.announceAt.IsZero() && !now.Before(b.announceAt) {
		b.announce(false)
		b.announceAt = now.Add(AnnounceEvery)
	}
	type due struct {
		node, user string
		u          *remoteUser
	}
	var stale, expired []due
	for node, users := range b.remote {
		for id, u := range users {
			switch {
			case !now.Before(u.seen.Add(PresenceTimeout)):
				expired = append(expired, due{node, id, u})
			case u.typing && !now.Before(u.typingUntil):
				stale = append(stale, due{node, id, u})
			}
		}
	}
	order := func(a, c due) int { return cmp.Compare(a.user+" "+a.node, c.user+" "+c.node) }
	slices.SortFunc(stale, order)
	slices.SortFunc(expired, order)
	for _, d := range stale {
		task := d.u.typingTask
		d.u.typing, d.u.typingTask = false, nil
		b.deliverRoom(b.remoteTypingMessage(messages.RoomUserStoppedTyping, d.user, b.viewerName(d.user, d.u.name), task), d.user)
	}
	left := false
	for _, g := range expired {
		b.log.Debug().Str("user", g.user).Str("node", g.node).Msg("presence on another node expired")
		left = b.forgetRemote(g.node, g.user) || left
	}
	if left {
		b.deliverRoom(b.presence(), "")
	}
}

// nodesDeadline returns when nodesTick is due next.
func (b *board) nodesDeadline() (time.Time, bool) {
	next := b.announceAt
	for _, users := range b.remote {
		for _, u := range users {
			if at := u.seen.Add(PresenceTimeout); next.IsZero() || at.Before(next) {
				next = at
			}
			if u.typing && u.typingUntil.Before(next) {
				next = u.typingUntil
			}
		}
	}
	return next, !next.IsZero()
}

// helloNodes asks the other nodes who is in the room, after notes may have been missed.
func (b *board) helloNodes() { b.announce(true) }
