package web_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestViewerSeesNoControls: a viewer's board is read-only: no inputs to add, no menus, no
// dragging, a dialog that only shows, and Alt+arrows that move nothing (nor the browser).
func TestViewerSeesNoControls(t *testing.T) {
	s := newStack(t)
	carol := newBrowser(t).open(t, s, "carol", "/b/board-1")
	carol.live()
	for what, sel := range map[string]string{
		"new task inputs":   "[data-testid=new-task-input]",
		"the add-list form": ".add-list",
		"list menus":        "[data-testid=list] details.menu",
		"rename board":      "button[aria-label='Rename board']",
	} {
		if eval[bool](carol, `!!document.querySelector("`+sel+`")`) {
			t.Errorf("a viewer sees %s", what)
		}
	}
	carol.openCard("task-1")
	if !eval[bool](carol, `document.querySelector('[data-testid=task-title-input]').readOnly && !document.querySelector('[data-testid=task-save]')`) {
		t.Fatal("a viewer's dialog can edit")
	}
	carol.run(chromedp.Click(`[data-testid=task-cancel]`))
	carol.until("the dialog closed", dialogClosed)
	history := eval[int](carol, `history.length`)
	carol.run(chromedp.Focus(`[data-testid=task-card][data-task-id=task-1]`), chromedp.KeyEvent(kb.ArrowRight, chromedp.KeyModifiers(1)))
	x, y := carol.center(`[data-testid=list][data-list-id=list-done] h2`)
	carol.dragTo("task-1", x, y)
	if !eval[bool](carol, taskIn("task-1", "list-todo")) || eval[int](carol, `history.length`) != history ||
		eval[string](carol, `location.pathname`) != "/b/board-1" {
		t.Fatal("a viewer's Alt+→ or drag moved something")
	}
	if n := eval[string](carol, `document.querySelector('[data-testid=pending-count]').textContent`); n != "0" {
		t.Fatalf("a viewer has %s changes pending", n)
	}
}

// TestBoardEdgesAndTitle: Alt+← on the first list moves nothing, announces nothing and never
// goes back in history; the tab is titled with the board's name.
func TestBoardEdgesAndTitle(t *testing.T) {
	s := newStack(t)
	alice := newBrowser(t).open(t, s, "alice", "/")
	alice.run(chromedp.Click(`a[href='/b/board-1']`))
	alice.live()
	alice.until("the board's name as the title", `document.title === 'Launch · taskboard'`)
	alice.run(chromedp.Focus(`[data-testid=task-card][data-task-id=task-1]`), chromedp.KeyEvent(kb.ArrowLeft, chromedp.KeyModifiers(1)))
	alice.run(chromedp.KeyEvent(kb.ArrowUp, chromedp.KeyModifiers(1)))
	if eval[string](alice, `location.pathname`) != "/b/board-1" || !eval[bool](alice, taskIn("task-1", "list-todo")) {
		t.Fatal("Alt+← at the first list left the board or moved the card")
	}
	if got := eval[string](alice, `document.querySelector('[aria-live=polite][aria-atomic=true]').textContent`); got != "" {
		t.Fatalf("a move that moved nothing announced %q", got)
	}
}

// TestMenusCloseAndOneIsOpen: opening a menu closes the other; a click outside or Esc closes it.
func TestMenusCloseAndOneIsOpen(t *testing.T) {
	s := newStack(t)
	alice := newBrowser(t).open(t, s, "alice", "/b/board-1")
	alice.live()
	menu := func(list string) string { return `[data-testid=list][data-list-id=` + list + `] details.menu` }
	open := `document.querySelectorAll('details.menu[open]').length`
	alice.run(chromedp.Click(menu("list-todo") + " summary"))
	alice.until("one menu open", open+" === 1")
	alice.run(chromedp.Click(menu("list-done") + " summary"))
	alice.until("only the second open", open+` === 1 && document.querySelector('`+menu("list-done")+`').open`)
	alice.run(chromedp.Click(`.board-bar h1`))
	alice.until("closed by a click outside", open+" === 0")
	alice.run(chromedp.Click(menu("list-todo")+" summary"), chromedp.KeyEvent(kb.Escape))
	alice.until("closed by Esc", open+" === 0")
}

// TestMembersPanelForEveryone: an editor sees the members without controls; a failed invite
// keeps the typed email; anyone may leave the board.
func TestMembersPanelForEveryone(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)
	bob := b.open(t, s, "bob", "/b/board-1")
	bob.live()
	bob.run(chromedp.Click(`button[aria-controls=members]`))
	bob.until("the members listed", `document.querySelectorAll('[data-testid=members-panel] [data-testid=member]').length === 3`)
	// The panel sits below the board's bar at any width, and the button that opened it can
	// close it.
	for _, width := range []int64{1280, 390} {
		bob.run(chromedp.EmulateViewport(width, 760))
		bob.until(fmt.Sprintf("the panel below the bar at %d px", width), `(() => {
			const bar = document.querySelector('.board-bar').getBoundingClientRect();
			const panel = document.querySelector('[data-testid=members-panel]').getBoundingClientRect();
			const button = document.querySelector('button[aria-controls=members]');
			const r = button.getBoundingClientRect();
			return panel.top >= bar.bottom - 0.5 && document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === button;
		})()`)
	}
	bob.run(chromedp.Click(`button[aria-controls=members]`))
	bob.until("the panel closed by its button", `!document.querySelector('[data-testid=members-panel]')`)
	bob.run(chromedp.EmulateViewport(1280, 800), chromedp.Click(`button[aria-controls=members]`))
	bob.until("the panel open again", `!!document.querySelector('[data-testid=members-panel]')`)
	if eval[bool](bob, `!!document.querySelector('[data-testid=members-panel] select, [data-testid=member-email]')`) {
		t.Fatal("an editor sees the owner's member controls")
	}

	alice := b.open(t, s, "alice", "/b/board-1")
	alice.live()
	alice.run(
		chromedp.Click(`button[aria-controls=members]`),
		chromedp.SendKeys(`[data-testid=member-email]`, "nobody@example.com"),
		chromedp.Click(`[data-testid=member-add]`),
	)
	alice.until("the invite refused", `!!document.querySelector('[data-testid=members-panel] .error')`)
	if got := eval[string](alice, `document.querySelector('[data-testid=member-email]').value`); got != "nobody@example.com" {
		t.Fatalf("the email field holds %q after a failed invite, want what was typed", got)
	}

	bob.run(chromedp.Click(`[data-testid=leave-board]`), chromedp.Click(`[data-testid=confirm-leave]`))
	bob.until("back on the boards page", `location.pathname === '/'`)
	var members struct{ Data []struct{ UserID string } }
	s.api(s.login("alice"), "GET", "/boards/board-1/members", nil, http.StatusOK, &members)
	for _, m := range members.Data {
		if m.UserID == "user-bob" {
			t.Fatal("Bob is still a member after leaving")
		}
	}
}

// TestSyncIndicator: one quiet indicator says whether the user's changes are saved, and why
// not; its visible text is its accessible name; the transport is in its tooltip.
func TestSyncIndicator(t *testing.T) {
	s := newStack(t)
	bob := newBrowser(t).open(t, s, "bob", "/b/board-1")
	bob.live()
	indicator := `document.querySelector('[data-testid=connection-status]')`
	bob.until("Saved", indicator+`.textContent.startsWith('Saved')`)
	if title := eval[string](bob, indicator+`.title`); title != "Live updates over WebSocket" {
		t.Fatalf("the tooltip says %q, want the transport", title)
	}
	if eval[bool](bob, indicator+`.hasAttribute('aria-label')`) {
		t.Fatal("an aria-label hides the visible text from the accessible name")
	}
	bob.offline(true)
	bob.until("Offline", indicator+`.textContent.startsWith('Offline') && `+indicator+`.dataset.state === 'offline'`)
	bob.addTask("list-todo", "While offline")
	bob.until("one change waiting", `document.querySelector('[data-testid=pending-count]').textContent === '1'`)
	bob.offline(false)
	bob.until("Saved again", indicator+`.textContent.startsWith('Saved') && document.querySelector('[data-testid=pending-count]').textContent === '0'`)
}

// TestAPITokensFromSettings: a user creates a token on the settings page, sees its secret once,
// uses it, and revokes it.
func TestAPITokensFromSettings(t *testing.T) {
	s := newStack(t)
	alice := newBrowser(t).open(t, s, "alice", "/")
	alice.run(chromedp.Click(`[data-testid=settings-link]`))
	alice.until("the settings page", `!!document.querySelector('[data-testid=tokens]')`)
	alice.run(chromedp.SendKeys(`[data-testid=token-name]`, "CI script"), chromedp.Click(`[data-testid=token-create]`))
	alice.until("the secret shown", `document.querySelector('[data-testid=token-secret] code')?.textContent.startsWith('tbp_')`)
	alice.until("the token listed", `document.querySelectorAll('[data-testid=token]').length === 1`)
	secret := eval[string](alice, `document.querySelector('[data-testid=token-secret] code').textContent`)
	var me struct{ ID string }
	s.api(secret, "GET", "/me", nil, http.StatusOK, &me)
	if me.ID != "user-alice" {
		t.Fatalf("the token is %q's, want Alice's", me.ID)
	}
	alice.run(chromedp.Click(`[data-testid=token] button`))
	alice.until("the token gone from the list", `document.querySelectorAll('[data-testid=token]').length === 0`)
	s.api(secret, "GET", "/me", nil, http.StatusUnauthorized, nil)
}

// TestCardNamesAndSkipLink: a card's accessible name carries its assignee and badges, and a
// skip link leads past the top bar to the page.
func TestCardNamesAndSkipLink(t *testing.T) {
	s := newStack(t)
	s.api(s.login("alice"), "PATCH", "/tasks/task-1", map[string]any{"assigneeId": "user-bob", "description": "Mock-ups"}, http.StatusOK, nil)
	p := newBrowser(t).open(t, s, "alice", "/b/board-1")
	p.live()
	p.until("the card's full name", `document.querySelector('[data-testid=task-card][data-task-id=task-1]').getAttribute('aria-label') === 'Design login page, assigned to Bob, has a description'`)
	if !eval[bool](p, `document.querySelector('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])').classList.contains('skip')`) {
		t.Fatal("the skip link is not the first stop of the keyboard")
	}
	p.run(chromedp.Focus(`.skip`), chromedp.KeyEvent(kb.Enter))
	p.until("the page focused past the bar", `document.activeElement.id === 'main' || location.hash === '#main'`)
}

// TestReloadWhileOffline: a page reloaded while the network is gone shows the board from its
// last snapshot, with the changes still waiting, and sends them once the network is back.
func TestReloadWhileOffline(t *testing.T) {
	s := newStack(t)
	p := newBrowser(t).open(t, s, "alice", "/b/board-1")
	p.live()
	p.until("the app shell kept", `!!navigator.serviceWorker.controller`)
	p.offline(true)
	p.until("Offline", `document.querySelector('[data-testid=connection-status]').dataset.state === 'offline'`)
	p.addTask("list-todo", "Written offline")
	p.until("one change waiting", `document.querySelector('[data-testid=pending-count]').textContent === '1'`)
	p.run(chromedp.Reload())
	p.until("the board after an offline reload", cardIn("list-todo", "Written offline")+` === 1 && `+taskIn("task-1", "list-todo")+
		` && document.querySelector('[data-testid=pending-count]').textContent === '1'`)
	p.offline(false)
	p.until("the change sent", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)
	if n := s.titles(s.login("alice"))["Written offline"]; n != 1 {
		t.Fatalf("the server has %d tasks written offline, want 1", n)
	}
}

// TestRovingFocus: each list is one Tab stop; the arrow keys go from card to card and from list
// to list; the stop follows the focus.
func TestRovingFocus(t *testing.T) {
	s := newStack(t)
	p := newBrowser(t).open(t, s, "alice", "/b/board-1")
	p.live()
	stops := `[...document.querySelectorAll('[data-testid=task-card][tabindex="0"]')].map(c => c.dataset.taskId).join(',')`
	if got := eval[string](p, stops); got != "task-1,task-3,task-4" {
		t.Fatalf("Tab stops %q, want the first card of each list", got)
	}
	focusedCard := `document.activeElement.dataset.taskId`
	p.run(chromedp.Focus(`[data-testid=task-card][data-task-id=task-1]`), chromedp.KeyEvent(kb.ArrowDown))
	p.until("task-2 focused", focusedCard+` === 'task-2'`)
	p.run(chromedp.KeyEvent(kb.ArrowRight))
	p.until("the next list's card", focusedCard+` === 'task-3'`)
	p.run(chromedp.KeyEvent(kb.ArrowRight))
	p.until("the last list's card", focusedCard+` === 'task-4'`)
	p.run(chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.End))
	p.until("the end of To Do", focusedCard+` === 'task-2'`)
	if got := eval[string](p, stops); got != "task-2,task-3,task-4" {
		t.Fatalf("Tab stops %q after moving, want the focused card in To Do", got)
	}
	if !eval[bool](p, taskIn("task-1", "list-todo")+" && "+taskIn("task-2", "list-todo")) || eval[string](p, `document.querySelector('[data-testid=pending-count]').textContent`) != "0" {
		t.Fatal("moving the focus moved a card")
	}
}
