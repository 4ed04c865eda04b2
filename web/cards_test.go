package web_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// These tests hold the v2 cards to what a daily user expects: what one person sets on a card
// (labels, due dates, checklists, comments) shows on everyone's board at once, archiving can be
// undone, the filter narrows the board in place and the activity tells who did what.

// card is a JavaScript expression: the card of taskID on the page (or null).
func card(taskID string) string {
	return fmt.Sprintf(`document.querySelector('[data-testid=task-card][data-task-id=%s]')`, js(taskID))
}

// setValue sets the value of the input sel selects and sends the change event a user's
// choice sends (a date picker cannot be typed into the same way everywhere).
func (p *page) setValue(sel, value string) {
	p.t.Helper()
	eval[bool](p, fmt.Sprintf(`(() => { const e = document.querySelector(%s); e.value = %s; e.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, js(sel), js(value)))
}

type label struct {
	ID    string
	Name  string
	Color string
}

// TestLabelsAndDueDateSeenByTheOther: Alice creates a label in the card's dialog, puts it on
// the card with a due date and a checklist; Bob's card shows the chip, the badge and the
// progress without a reload.
func TestLabelsAndDueDateSeenByTheOther(t *testing.T) {
	s, alice, bob := twoUsers(t, "")
	bob.openCard("task-1") // Bob's dialog stays live: what Alice saves shows in it
	alice.openCard("task-1")
	alice.run(
		chromedp.Click(`[data-testid=task-labels] details summary`),
		chromedp.SendKeys(`[data-testid=label-new-name]`, "Urgent"),
	)
	alice.setValue(`[data-testid=label-new-color]`, "red")
	alice.run(chromedp.Click(`[data-testid=label-create]`))
	alice.until("the new label picked in the dialog", `document.querySelector('[data-testid=label-option][aria-pressed=true]')?.textContent === 'Urgent'`)
	alice.setValue(`[data-testid=task-due-input]`, "2020-01-02T10:00")
	alice.run(chromedp.Click(`[data-testid=task-save]`))
	alice.until("the dialog closed", dialogClosed)

	bob.until("the label picked in Bob's open dialog", `document.querySelector('[data-testid=label-option][aria-pressed=true]')?.textContent === 'Urgent'`)
	bob.until("the due date in Bob's open dialog", `document.querySelector('[data-testid=task-due-input]').value === '2020-01-02T10:00'`)
	bob.run(chromedp.Click(`[data-testid=task-cancel]`))
	bob.until("Bob's dialog closed at once: he changed nothing", dialogClosed)

	chip := card("task-1") + `?.querySelector('[data-testid=label-chip]')`
	bob.until("the label on Bob's card", chip+`?.textContent === 'Urgent' && `+chip+`.classList.contains('label-red')`)
	bob.until("the due badge on Bob's card, overdue", card("task-1")+`?.querySelector('[data-testid=due-badge]')?.dataset.due === 'overdue'`)
	if name := eval[string](bob, card("task-1")+`.getAttribute('aria-label')`); name == "" {
		t.Fatal("Bob's card has no accessible name")
	}

	// A checklist, ticked in Alice's dialog: Bob's card counts it, and a complete one turns the
	// due badge green.
	alice.openCard("task-1")
	for _, item := range []string{"Sketch", "Review"} {
		alice.run(chromedp.SendKeys(`[data-testid=checklist-new]`, item+kb.Enter))
		alice.until(item+" in the checklist", fmt.Sprintf(`[...document.querySelectorAll('[data-testid=checklist-item]')].some(i => i.textContent.includes(%s))`, js(item)))
	}
	bob.until("0/2 on Bob's card", card("task-1")+`?.querySelector('[data-testid=checklist-progress]')?.textContent === '0/2'`)
	alice.run(chromedp.Click(`[data-testid=checklist-item]:nth-child(1) [data-testid=checklist-tick]`))
	bob.until("1/2 on Bob's card", card("task-1")+`?.querySelector('[data-testid=checklist-progress]')?.textContent === '1/2'`)
	alice.run(chromedp.Click(`[data-testid=checklist-item]:nth-child(2) [data-testid=checklist-tick]`))
	bob.until("the due badge done on Bob's card", card("task-1")+`?.querySelector('[data-testid=due-badge]')?.dataset.due === 'done'`)

	var task struct {
		LabelIDs []string `json:"labelIds"`
		DueAt    *string  `json:"dueAt"`
	}
	s.api(s.login("bob"), "GET", "/tasks/task-1", nil, http.StatusOK, &task)
	if len(task.LabelIDs) != 1 || task.DueAt == nil {
		t.Fatalf("the server has labels %v and due %v, want the one label and a due date", task.LabelIDs, task.DueAt)
	}
	alice.noNetworkErrors()
	bob.noNetworkErrors()
}

// TestCommentArrivesInOpenDialog: Bob has the card open; Alice comments from her own dialog.
// Bob's dialog shows the comment, rendered, and his card counts it. Raw HTML in a comment is
// shown as text, never run.
func TestCommentArrivesInOpenDialog(t *testing.T) {
	s, alice, bob := twoUsers(t, "")
	bob.openCard("task-2")
	bob.until("Bob's comments loaded", `!!document.querySelector('[data-testid=comments]') && !document.querySelector('[data-testid=comments] .loading')`)
	alice.openCard("task-2")
	alice.run(
		chromedp.SendKeys(`[data-testid=comment-input]`, "Looks **good** to me"),
		chromedp.Click(`[data-testid=comment-post]`),
	)
	comment := `document.querySelector('[data-testid=comment] .md')`
	bob.until("Alice's comment in Bob's open dialog, rendered", comment+`?.querySelector('strong')?.textContent === 'good'`)
	if who := eval[string](bob, `document.querySelector('[data-testid=comment] strong').textContent`); who != "Alice" {
		t.Fatalf("the comment is signed %q, want Alice", who)
	}
	bob.until("the count on Bob's card", card("task-2")+`?.querySelector('[data-testid=comment-count]')?.textContent === '1'`)
	// Bob may not edit or delete Alice's comment (he is an editor, not its author or an owner).
	if eval[bool](bob, `!!document.querySelector('[data-testid=comment-edit], [data-testid=comment-delete]')`) {
		t.Fatal("Bob is offered to edit or delete Alice's comment")
	}

	s.api(s.login("alice"), "POST", "/tasks/task-2/comments", map[string]string{"body": `<img src=x onerror="window.__ran=1"> [x](javascript:window.__ran=2)`}, http.StatusCreated, nil)
	bob.until("the second comment", `document.querySelectorAll('[data-testid=comment]').length === 2`)
	bob.until("it rendered", `document.querySelectorAll('[data-testid=comment] .md:not(.plain)').length === 2`)
	if eval[bool](bob, `!!document.querySelector('[data-testid=comment] img') || !!document.querySelector('[data-testid=comment] a[href^=javascript]') || window.__ran !== undefined`) {
		t.Fatal("raw HTML or a javascript: link in a comment was rendered")
	}

	// Alice edits her comment, then deletes it: Bob's dialog follows.
	alice.until("Alice's own comment has its buttons", `!!document.querySelector('[data-testid=comment-edit]')`)
	alice.run(chromedp.Click(`[data-testid=comment-edit]`))
	alice.run(chromedp.SendKeys(`[data-testid=comment-edit-input]`, " and ready"), chromedp.Click(`[data-testid=comment-edit-save]`))
	bob.until("the edit in Bob's dialog", comment+`?.textContent.includes('and ready')`)
	alice.run(chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`, chromedp.EvalIgnoreExceptions))
	alice.run(chromedp.Click(`[data-testid=comment-delete]`))
	bob.until("the deletion in Bob's dialog", `document.querySelectorAll('[data-testid=comment]').length === 1`)
	bob.until("the count on Bob's card", card("task-2")+`?.querySelector('[data-testid=comment-count]')?.textContent === '1'`)
}

// TestArchiveUndoRestoresInPlace: archiving takes the card off both boards; Undo puts it back
// where it was, for both.
func TestArchiveUndoRestoresInPlace(t *testing.T) {
	s, alice, bob := twoUsers(t, "")
	alice.openCard("task-1")
	alice.run(chromedp.Click(`[data-testid=task-archive]`))
	alice.until("the card gone from Alice's board", "!"+card("task-1"))
	bob.until("the card gone from Bob's board", "!"+card("task-1"))
	alice.until("the change confirmed", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)

	alice.run(chromedp.Click(`[data-testid=notice-action]`))
	first := `document.querySelector('[data-testid=list][data-list-id=list-todo] [data-testid=task-card]')?.dataset.taskId === 'task-1'`
	alice.until("task-1 first in To Do again on Alice's board", first)
	bob.until("task-1 first in To Do again on Bob's board", first)
	alice.until("the change confirmed", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)
	var task struct {
		ListID     string  `json:"listId"`
		Position   int     `json:"position"`
		ArchivedAt *string `json:"archivedAt"`
	}
	s.api(s.login("bob"), "GET", "/tasks/task-1", nil, http.StatusOK, &task)
	if task.ArchivedAt != nil || task.ListID != "list-todo" || task.Position != 0 {
		t.Fatalf("the server has task-1 %+v, want it live, first in list-todo", task)
	}

	// Archived without Undo, it is listed among the archived cards, and restored from there.
	alice.openCard("task-2")
	alice.run(chromedp.Click(`[data-testid=task-archive]`))
	alice.until("task-2 gone", "!"+card("task-2"))
	alice.run(chromedp.Click(`[data-testid=archived-toggle]`))
	alice.until("task-2 among the archived", `!!document.querySelector('[data-testid=archived-card][data-task-id=task-2]')`)
	bob.run(chromedp.Click(`[data-testid=archived-toggle]`))
	bob.until("task-2 among Bob's archived", `!!document.querySelector('[data-testid=archived-card][data-task-id=task-2]')`)
	alice.run(chromedp.Click(`[data-testid=archived-card][data-task-id=task-2] [data-testid=restore]`))
	bob.until("task-2 back on Bob's board, and off his archived list", card("task-2")+` && !document.querySelector('[data-testid=archived-card][data-task-id=task-2]')`)
	alice.noNetworkErrors()
}

// TestMoveUndo: a card dragged to another list goes back where it was with Undo.
func TestMoveUndo(t *testing.T) {
	_, alice, bob := twoUsers(t, "")
	alice.drag("task-2", "list-done")
	bob.until("task-2 in Done on Bob's page", taskIn("task-2", "list-done"))
	alice.until("the Undo", `document.querySelector('[data-testid=notice-action]')?.textContent === 'Undo'`)
	alice.run(chromedp.Click(`[data-testid=notice-action]`))
	second := `[...document.querySelectorAll('[data-testid=list][data-list-id=list-todo] [data-testid=task-card]')].map(c => c.dataset.taskId).join() === 'task-1,task-2'`
	alice.until("task-2 back second in To Do", second)
	bob.until("task-2 back second in To Do on Bob's page", second)
}

// TestFilterByLabelHidesTheRest: picking a label in the filter bar leaves only its cards; "/"
// focuses the filter and Escape clears it.
func TestFilterByLabelHidesTheRest(t *testing.T) {
	s := newStack(t)
	alice := s.login("alice")
	var l label
	s.api(alice, "POST", "/boards/board-1/labels", map[string]string{"name": "Docs", "color": "blue"}, http.StatusCreated, &l)
	s.api(alice, "PATCH", "/tasks/task-2", map[string]any{"labelIds": []string{l.ID}}, http.StatusOK, nil)
	p := newBrowser(t).open(t, s, "alice", "/b/board-1")
	p.live()
	count := `document.querySelectorAll('[data-testid=task-card]').length`
	p.until("the four cards", count+` === 4`)

	p.run(chromedp.Click(`[data-testid=filter-labels] summary`))
	p.run(chromedp.Click(fmt.Sprintf(`[data-testid=filter-label][value=%s]`, js(l.ID))))
	p.until("only task-2 left", count+` === 1 && !!`+card("task-2"))
	p.until("the count said", `document.querySelector('[data-testid=filter-count]')?.textContent === '1 of 4 cards'`)

	// A card given the label elsewhere joins in; the filter keeps working live.
	s.api(alice, "PATCH", "/tasks/task-3", map[string]any{"labelIds": []string{l.ID}}, http.StatusOK, nil)
	p.until("task-3 joins", count+` === 2 && !!`+card("task-3"))

	p.run(chromedp.KeyEvent(kb.Escape)) // closes the menu
	p.run(chromedp.Click(`.board-name`), chromedp.KeyEvent("/"))
	p.until("the filter focused by /", `document.activeElement?.dataset.testid === 'filter-text'`)
	p.run(chromedp.KeyEvent("docs"))
	p.until("the words narrow it further", count+` === 0`)
	p.run(chromedp.KeyEvent(kb.Escape))
	p.until("Escape clears the filter", count+` === 4 && !document.querySelector('[data-testid=filter-count]')`)
}

// TestActivityShowsTheChange: the board's activity panel lists what happened, and a change made
// while it is open comes in at the top.
func TestActivityShowsTheChange(t *testing.T) {
	s, alice, _ := twoUsers(t, "")
	alice.run(chromedp.Click(`[data-testid=activity-toggle]`))
	alice.until("the activity loaded", `!!document.querySelector('[data-testid=activity-panel]') && !document.querySelector('[data-testid=activity-panel] .loading')`)
	s.api(s.login("bob"), "PATCH", "/tasks/task-3/move", map[string]any{"listId": "list-done", "position": 0}, http.StatusOK, nil)
	alice.until("Bob's move at the top", `document.querySelector('[data-testid=activity-item]')?.textContent.startsWith('Bob moved “Set up CI” from In Progress to Done')`)

	// The card's own activity, in its dialog, tells the same, from the server's history.
	alice.openCard("task-3")
	alice.run(chromedp.Click(`[data-testid=task-activity-toggle]`))
	alice.until("the move in the card's activity", `[...document.querySelectorAll('dialog [data-testid=activity-item]')].some(i => i.textContent.startsWith('Bob moved'))`)
}

// TestSearchAcrossBoards: the boards page finds a card on another board and opens it.
func TestSearchAcrossBoards(t *testing.T) {
	s := newStack(t)
	requireSearch(t, s)
	p := newBrowser(t).open(t, s, "alice", "/")
	p.until("the boards", `document.querySelectorAll('[data-testid=board-link]').length > 0`)
	p.run(chromedp.SendKeys(`[data-testid=search-input]`, "offsite"))
	p.until("the hit on Side project", `[...document.querySelectorAll('[data-testid=search-hit]')].some(h => h.dataset.taskId === 'task-5' && h.textContent.includes('Side project'))`)
	p.run(chromedp.Click(`[data-testid=search-hit][data-task-id=task-5]`))
	p.until("the card open on its board", `location.pathname === '/b/board-2' && document.querySelector('dialog.task-dialog')?.open && document.querySelector('[data-testid=task-title-input]').value === 'Plan the offsite'`)
}
