package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// twoUsers opens board-1 for Alice and Bob, each live.
func twoUsers(t *testing.T, query string) (*stack, *page, *page) {
	t.Helper()
	s := newStack(t)
	b := newBrowser(t)
	alice := b.open(t, s, "alice", "/b/board-1"+query)
	bob := b.open(t, s, "bob", "/b/board-1"+query)
	alice.live()
	bob.live()
	return s, alice, bob
}

func TestCreateIsSeenByTheOther(t *testing.T) {
	s, alice, bob := twoUsers(t, "")
	alice.addTask("list-todo", "Order stickers")
	// Alice sees it at once, before any answer, and Bob sees it once it is committed.
	alice.until("Alice's own card", cardIn("list-todo", "Order stickers")+" === 1")
	bob.until("Alice's card on Bob's page", cardIn("list-todo", "Order stickers")+" === 1")
	alice.until("the change confirmed", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)
	if n := s.titles(s.login("alice"))["Order stickers"]; n != 1 {
		t.Fatalf("server has %d tasks titled Order stickers, want 1", n)
	}
	// The confirmed card carries the server's id.
	id := eval[string](alice, `[...document.querySelectorAll('[data-testid=task-card]')].find(c => c.textContent.includes('Order stickers')).dataset.taskId`)
	bobID := eval[string](bob, `[...document.querySelectorAll('[data-testid=task-card]')].find(c => c.textContent.includes('Order stickers')).dataset.taskId`)
	if id != bobID {
		t.Fatalf("Alice's card is %s, Bob's %s: want the same server id", id, bobID)
	}
	alice.noNetworkErrors()
	bob.noNetworkErrors()
}

// TestFallbackTransports runs the same exchange over each transport a page can be held to
// with ?transport=, and checks that without it the page picks the best one the server has.
func TestFallbackTransports(t *testing.T) {
	for _, tr := range []string{"sse", "longpoll", "poll"} {
		t.Run(tr, func(t *testing.T) {
			_, alice, bob := twoUsers(t, "?transport="+tr)
			for _, p := range []*page{alice, bob} {
				if got := eval[string](p, `document.querySelector('[data-testid=connection-status]').dataset.transport`); got != tr {
					t.Fatalf("%s's transport is %q, want %q", p.who, got, tr)
				}
			}
			bob.addTask("list-in-progress", "Over "+tr)
			alice.until("Bob's card over "+tr, cardIn("list-in-progress", "Over "+tr)+" === 1")
			alice.drag("task-1", "list-done")
			bob.until("Alice's move over "+tr, taskIn("task-1", "list-done"))
		})
	}
	t.Run("auto", func(t *testing.T) {
		s, alice, _ := twoUsers(t, "")
		want := "sse"
		if ok, _ := s.webSocket(s.login("alice")); ok {
			want = "websocket"
		}
		if got := eval[string](alice, `document.querySelector('[data-testid=connection-status]').dataset.transport`); got != want {
			t.Fatalf("transport %q, want %q", got, want)
		}
	})
}

func TestDragToAnotherListIsSeenByTheOther(t *testing.T) {
	s, alice, bob := twoUsers(t, "")
	alice.drag("task-1", "list-done")
	alice.until("the card in Done on Alice's page", taskIn("task-1", "list-done"))
	bob.until("the card in Done on Bob's page", taskIn("task-1", "list-done"))
	// Positions agree with the server's: Done holds task-4, then task-1.
	var task struct {
		ListID   string
		Position int
	}
	s.api(s.login("bob"), "GET", "/tasks/task-1", nil, 200, &task)
	if task.ListID != "list-done" || task.Position != 1 {
		t.Fatalf("server has task-1 at %s/%d, want list-done/1", task.ListID, task.Position)
	}
	order := `[...document.querySelectorAll('[data-testid=list][data-list-id=list-done] [data-testid=task-card]')].map(c => c.dataset.taskId).join(',')`
	bob.until("Done ordered task-4, task-1", order+` === 'task-4,task-1'`)
}

func TestKeyboardMoveIsSeenByTheOther(t *testing.T) {
	_, alice, bob := twoUsers(t, "")
	bob.run(
		chromedp.Focus(`[data-testid=task-card][data-task-id=task-2]`),
		chromedp.KeyEvent(kb.ArrowRight, chromedp.KeyModifiers(chromedp.ModifierAlt)),
	)
	bob.until("task-2 in In Progress on Bob's page", taskIn("task-2", "list-in-progress"))
	alice.until("task-2 in In Progress on Alice's page", taskIn("task-2", "list-in-progress"))
	bob.until("focus kept on the moved card", `document.activeElement?.dataset.taskId === 'task-2'`)
}

func TestOfflineChangesAreReplayedOnce(t *testing.T) {
	s, alice, bob := twoUsers(t, "")
	bob.offline(true)
	bob.until("the offline status", `document.querySelector('[data-testid=connection-status]').dataset.state === 'offline'`)

	bob.addTask("list-todo", "Written offline")
	bob.drag("task-3", "list-done")
	bob.addTask("list-done", "Also offline")
	bob.until("three pending changes", `document.querySelector('[data-testid=pending-count]').textContent === '3'`)
	bob.until("the offline changes shown", cardIn("list-todo", "Written offline")+" === 1 && "+taskIn("task-3", "list-done")+" && "+cardIn("list-done", "Also offline")+" === 1")
	if n := s.titles(s.login("alice"))["Written offline"]; n != 0 {
		t.Fatalf("the server has the offline task before Bob is back online (%d)", n)
	}

	bob.offline(false)
	bob.live()
	bob.until("no pending changes", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)
	alice.until("each offline change on Alice's page", cardIn("list-todo", "Written offline")+" === 1 && "+taskIn("task-3", "list-done")+" && "+cardIn("list-done", "Also offline")+" === 1")
	titles := s.titles(s.login("alice"))
	for _, title := range []string{"Written offline", "Also offline"} {
		if titles[title] != 1 {
			t.Errorf("server has %d tasks titled %q, want 1", titles[title], title)
		}
		for _, p := range []*page{alice, bob} {
			if n := eval[int](p, cards(title)); n != 1 {
				t.Errorf("%s's page shows %d cards titled %q, want 1", p.who, n, title)
			}
		}
	}
}

// TestViewersChangeIsRolledBack: Bob makes changes offline, and is made a viewer before they
// reach the server: they show at once, are refused, and roll back with a notice.
func TestViewersChangeIsRolledBack(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)
	bob := b.open(t, s, "bob", "/b/board-1")
	bob.live()
	bob.offline(true)
	bob.until("the offline status", `document.querySelector('[data-testid=connection-status]').dataset.state === 'offline'`)
	bob.drag("task-1", "list-done")
	bob.until("the move shown at once", taskIn("task-1", "list-done"))
	bob.addTask("list-todo", "Not allowed")
	bob.until("the card shown at once", cardIn("list-todo", "Not allowed")+" === 1")
	s.api(s.login("alice"), "PATCH", "/boards/board-1/members/user-bob", map[string]string{"role": "viewer"}, 200, nil)
	bob.offline(false)
	bob.until("the refusal notice", `[...document.querySelectorAll('[data-testid=notice]')].some(n => /view/.test(n.textContent))`)
	bob.until("task-1 back in To Do", taskIn("task-1", "list-todo"))
	bob.until("the created card rolled back", cardIn("list-todo", "Not allowed")+" === 0 && document.querySelector('[data-testid=pending-count]').textContent === '0'")
	// Now a viewer, Bob sees no controls to change the board.
	bob.until("the controls gone", `!document.querySelector('[data-testid=new-task-input]')`)
	var task struct{ ListID string }
	s.api(s.login("alice"), "GET", "/tasks/task-1", nil, 200, &task)
	if task.ListID != "list-todo" {
		t.Fatalf("the server moved task-1 to %s for a viewer", task.ListID)
	}
}

func TestServerRestartResumesWithoutReload(t *testing.T) {
	s, alice, bob := twoUsers(t, "")
	alice.run(chromedp.Evaluate[chromedp.Void](`window.__sameDocument = true`, chromedp.EvalIgnoreExceptions))

	s.Stop()
	alice.until("the page to notice the server is gone", `document.querySelector('[data-testid=connection-status]').dataset.state !== 'live'`)
	s.Restart()
	alice.live()
	bob.live()

	bob.addTask("list-todo", "After the restart")
	alice.until("Bob's card after the restart", cardIn("list-todo", "After the restart")+" === 1")
	if !eval[bool](alice, `window.__sameDocument === true`) {
		t.Fatal("the page was reloaded")
	}
	// Nothing from before the restart is shown twice.
	if n := eval[int](alice, `document.querySelectorAll('[data-testid=task-card][data-task-id=task-1]').length`); n != 1 {
		t.Fatalf("task-1 shows %d times", n)
	}
}

// TestPendingChangesSurviveAReload blocks the page's changes from reaching the server, reloads
// it, and checks that the queued changes are still shown as pending and are sent, once each,
// when the server is reachable again.
func TestPendingChangesSurviveAReload(t *testing.T) {
	s, alice, bob := twoUsers(t, "")
	block := func(on bool) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			var patterns []*network.BlockPattern
			if on {
				patterns = []*network.BlockPattern{{URLPattern: "*://*:*/tasks*", Block: true}}
			}
			_, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: patterns})
			return err
		})
	}
	bob.run(block(true))
	bob.addTask("list-todo", "Kept across a reload")
	bob.drag("task-2", "list-in-progress")
	bob.addTask("list-in-progress", "Also kept")
	bob.until("three pending changes", `document.querySelector('[data-testid=pending-count]').textContent === '3'`)

	bob.run(chromedp.Reload())
	bob.live()
	bob.until("the three changes still pending after the reload", `document.querySelector('[data-testid=pending-count]').textContent === '3' && `+
		cardIn("list-todo", "Kept across a reload")+" === 1 && "+taskIn("task-2", "list-in-progress")+" && "+cardIn("list-in-progress", "Also kept")+" === 1")

	bob.run(block(false))
	bob.until("no pending changes", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)
	alice.until("each change on Alice's page", cardIn("list-todo", "Kept across a reload")+" === 1 && "+taskIn("task-2", "list-in-progress")+" && "+cardIn("list-in-progress", "Also kept")+" === 1")
	titles := s.titles(s.login("alice"))
	for _, title := range []string{"Kept across a reload", "Also kept"} {
		if titles[title] != 1 {
			t.Errorf("server has %d tasks titled %q, want 1", titles[title], title)
		}
	}
}
