package web_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// These tests need the WebSocket endpoint (presence, typing and cursors travel only over it)
// and fail, saying so, on a server without one.

// twoLiveOverWebSocket opens board-1 for Alice and Bob, both live over WebSocket.
func twoLiveOverWebSocket(t *testing.T) (*stack, *page, *page) {
	t.Helper()
	s := newStack(t)
	requireWebSocket(t, s)
	b := newBrowser(t)
	alice := b.open(t, s, "alice", "/b/board-1")
	bob := b.open(t, s, "bob", "/b/board-1")
	for _, p := range []*page{alice, bob} {
		p.live()
		if got := eval[string](p, `document.querySelector('[data-testid=connection-status]').dataset.transport`); got != "websocket" {
			t.Fatalf("%s is live over %q, want websocket", p.who, got)
		}
	}
	return s, alice, bob
}

func avatar(userID string) string {
	return fmt.Sprintf(`!!document.querySelector('[data-testid=presence-avatar][data-user-id=%s]')`, js(userID))
}

// clippedInitials is a JavaScript expression: the presence avatars whose initials do not show
// whole, because they overflow their circle or a neighbour covers them. The element at each
// edge of the initials (left, right, top and bottom, 1 px inside) must be the avatar itself.
const clippedInitials = `[...document.querySelectorAll('[data-testid=presence-avatar]')].flatMap(li => {
	const text = li.querySelector('[aria-hidden=true]'), range = document.createRange();
	range.selectNodeContents(text);
	const t = range.getBoundingClientRect(), box = li.getBoundingClientRect(), why = [];
	if (li.scrollWidth > li.clientWidth || li.scrollHeight > li.clientHeight) why.push('overflows');
	if (t.left < box.left || t.right > box.right || t.top < box.top || t.bottom > box.bottom) why.push('outside its circle');
	const midX = (t.left + t.right) / 2, midY = (t.top + t.bottom) / 2;
	for (const [x, y] of [[t.left + 1, midY], [t.right - 1, midY], [midX, t.top + 1], [midX, t.bottom - 1]]) {
		const hit = document.elementFromPoint(x, y);
		if (!li.contains(hit)) why.push('covered at ' + Math.round(x - box.left) + ',' + Math.round(y - box.top) + ' by ' + (hit?.dataset.userId ?? hit?.tagName));
	}
	return why.length ? [li.dataset.userId + ' ' + text.textContent + ': ' + why.join(', ')] : [];
})`

func TestPresenceAvatars(t *testing.T) {
	s, alice, bob := twoLiveOverWebSocket(t)
	alice.until("Bob's avatar on Alice's page", avatar("user-bob"))
	bob.until("Alice's avatar on Bob's page", avatar("user-alice"))

	carol := newBrowser(t).open(t, s, "carol", "/b/board-1")
	carol.live()
	alice.until("Carol's avatar on Alice's page", avatar("user-carol"))
	if n := eval[int](alice, `document.querySelectorAll('[data-testid=presence-avatar]').length`); n < 2 {
		t.Fatalf("%d avatars on Alice's page: nothing overlaps", n)
	}
	if hidden := eval[[]string](alice, clippedInitials); len(hidden) > 0 {
		t.Errorf("avatars whose initials are clipped or covered: %q", hidden)
	}
	carol.close()
	alice.until("Carol's avatar gone once she leaves", "!"+avatar("user-carol"))
	if !eval[bool](alice, avatar("user-bob")) {
		t.Fatal("Bob's avatar went away with Carol's")
	}
}

func TestTypingIndicator(t *testing.T) {
	_, alice, bob := twoLiveOverWebSocket(t)
	bob.run(
		chromedp.Click(`[data-testid=task-card][data-task-id=task-1]`),
		chromedp.WaitVisible(`[data-testid=task-title-input]`),
		chromedp.SendKeys(`[data-testid=task-title-input]`, " and the signup page"),
	)
	indicator := `document.querySelector('[data-testid=task-card][data-task-id=task-1] [data-testid=typing-indicator]')`
	alice.until("Bob is typing on task-1", indicator+`?.textContent.includes('Bob')`)
	if n := eval[int](alice, `document.querySelectorAll('[data-testid=typing-indicator]').length`); n != 1 {
		t.Fatalf("%d typing indicators on Alice's page, want the one on task-1", n)
	}
	// Saving ends the typing, and the edit arrives.
	bob.run(chromedp.Click(`[data-testid=task-save]`))
	alice.until("the indicator gone after Bob saved", "!"+indicator)
	alice.until("Bob's new title", `document.querySelector('[data-testid=task-card][data-task-id=task-1] .title').textContent === 'Design login page and the signup page'`)
}

func TestRemoteCursor(t *testing.T) {
	_, alice, bob := twoLiveOverWebSocket(t)
	x, y := bob.center(`[data-testid=task-card][data-task-id=task-3]`)
	for i := range 5 {
		bob.run(chromedp.MouseEvent(chromedp.MouseMoved, x+float64(i*10), y))
	}
	cursor := `document.querySelector('[data-testid=remote-cursor][data-user-id=user-bob]')`
	alice.until("Bob's cursor on Alice's page", "!!"+cursor)
	// It sits over the card Bob pointed at, in board coordinates.
	alice.until("Bob's cursor over task-3", fmt.Sprintf(`(() => {
		const c = %s.getBoundingClientRect(), card = document.querySelector('[data-testid=task-card][data-task-id=task-3]').getBoundingClientRect();
		return c.left >= card.left - 5 && c.left <= card.right + 5 && c.top >= card.top - 5 && c.top <= card.bottom + 5;
	})()`, cursor))
	if eval[bool](bob, `!!document.querySelector('[data-testid=remote-cursor]')`) {
		t.Fatal("Bob sees a cursor of his own")
	}
}

func TestMembersPanel(t *testing.T) {
	s := newStack(t)
	requireMembers(t, s)
	alice := newBrowser(t).open(t, s, "alice", "/b/board-1")
	alice.live()
	alice.run(chromedp.Click(`button[aria-controls=members]`))
	alice.until("the members listed", `document.querySelectorAll('[data-testid=members-panel] [data-testid=member]').length === 3`)

	var sess struct{ User struct{ ID string } }
	s.api("", "POST", "/auth/register", map[string]string{"email": "dave@example.com", "name": "Dave", "password": "dave-password-1"}, http.StatusCreated, &sess)
	alice.run(
		chromedp.SendKeys(`[data-testid=member-email]`, "dave@example.com"),
		chromedp.Click(`[data-testid=member-add]`),
	)
	alice.until("Dave among the members", fmt.Sprintf(`!!document.querySelector('[data-testid=member][data-user-id=%s]')`, js(sess.User.ID)))
}
