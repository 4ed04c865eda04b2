package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// These tests hold the card dialog to its promise: a dialog opened before someone else's change
// never undoes that change when saved, and nothing the user typed is lost without a word.

// serverTask is task-1 as the server has it.
type serverTask struct {
	Title       string
	Description *string
	AssigneeID  *string `json:"assigneeId"`
	ListID      string  `json:"listId"`
	Version     int
}

func (s *stack) task(token, id string) serverTask {
	s.t.Helper()
	var task serverTask
	s.api(token, "GET", "/tasks/"+id, nil, http.StatusOK, &task)
	return task
}

// openCard opens a card's dialog on the page.
func (p *page) openCard(taskID string) {
	p.t.Helper()
	p.run(
		chromedp.Click(fmt.Sprintf(`[data-testid=task-card][data-task-id=%s]`, js(taskID))),
		chromedp.WaitVisible(`[data-testid=task-title-input]`),
	)
}

const (
	dialogOpen   = `document.querySelector('dialog.task-dialog').open`
	dialogClosed = `!document.querySelector('dialog.task-dialog').open`
	titleInput   = `document.querySelector('[data-testid=task-title-input]').value`
	descInput    = `document.querySelector('[data-testid=task-description-input]').value`
)

func conflictOn(field string) string {
	return fmt.Sprintf(`!!document.querySelector('[data-testid=conflict][data-field=%s]')`, field)
}

// TestStaleDialogKeepsTheOthersChange is the lost update that must not happen: Bob opens a
// card, Alice renames it, rewrites its description and moves it; Bob only picks an assignee and
// saves. Every change of both survives.
func TestStaleDialogKeepsTheOthersChange(t *testing.T) {
	s, _, bob := twoUsers(t, "")
	alice := s.login("alice")
	bob.openCard("task-1")

	s.api(alice, "PATCH", "/tasks/task-1", map[string]any{"title": "Design the sign-in page", "description": "Figma: v2"}, http.StatusOK, nil)
	s.api(alice, "PATCH", "/tasks/task-1/move", map[string]any{"listId": "list-in-progress", "position": 0}, http.StatusOK, nil)
	// Fields Bob has not touched follow Alice's change in place, the list included.
	bob.until("Alice's title in Bob's open dialog", titleInput+` === 'Design the sign-in page'`)
	bob.until("Alice's description and list in Bob's open dialog", descInput+` === 'Figma: v2' && document.querySelector('[data-testid=task-list-select]').value === 'list-in-progress'`)

	bob.run(chromedp.Click(`[data-testid=assignee-option][value=user-bob]`))
	bob.run(chromedp.Click(`[data-testid=task-save]`))
	bob.until("the dialog closed", dialogClosed)
	bob.until("the change confirmed", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)

	got := s.task(alice, "task-1")
	if got.Title != "Design the sign-in page" || got.Description == nil || *got.Description != "Figma: v2" || got.ListID != "list-in-progress" {
		t.Fatalf("Alice's change was undone: %+v", got)
	}
	if got.AssigneeID == nil || *got.AssigneeID != "user-bob" {
		t.Fatalf("Bob's assignee was lost: %+v", got)
	}
	bob.until("Bob's card in In Progress", taskIn("task-1", "list-in-progress"))
}

// TestDialogConflictAsksWhichToKeep: Bob and Alice both retitle the card. Bob's dialog says
// that Alice changed it, and Save keeps neither side silently: Bob chooses.
func TestDialogConflictAsksWhichToKeep(t *testing.T) {
	for _, pick := range []string{"keep-mine", "use-theirs"} {
		t.Run(pick, func(t *testing.T) {
			s, _, bob := twoUsers(t, "")
			alice := s.login("alice")
			bob.openCard("task-2")
			bob.run(chromedp.SendKeys(`[data-testid=task-title-input]`, " today"))
			s.api(alice, "PATCH", "/tasks/task-2", map[string]any{"title": "Write the API docs", "description": "Endpoints first"}, http.StatusOK, nil)

			bob.until("the conflict on the title", conflictOn("title"))
			if text := eval[string](bob, `document.querySelector('[data-testid=conflict]').textContent`); !strings.Contains(text, "Alice") || !strings.Contains(text, "Write the API docs") {
				t.Fatalf("the conflict reads %q, want who changed it and to what", text)
			}
			bob.until("Alice's description taken in place", descInput+` === 'Endpoints first'`)
			// Saving before choosing keeps the dialog open and says why.
			bob.run(chromedp.Click(`[data-testid=task-save]`))
			bob.until("the hint to choose", `!!document.querySelector('.task-dialog .hint')`)
			if !eval[bool](bob, dialogOpen) {
				t.Fatal("Save with an open conflict closed the dialog")
			}
			if got := s.task(alice, "task-2"); got.Title != "Write the API docs" {
				t.Fatalf("the server has %q before Bob chose", got.Title)
			}

			bob.run(chromedp.Click(`[data-testid=conflict] [data-testid=` + pick + `]`))
			bob.until("the conflict settled", "!"+conflictOn("title"))
			bob.run(chromedp.Click(`[data-testid=task-save]`))
			bob.until("the dialog closed", dialogClosed)
			bob.until("the change confirmed", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)

			want := map[string]string{"keep-mine": "Write API docs today", "use-theirs": "Write the API docs"}[pick]
			got := s.task(alice, "task-2")
			if got.Title != want || got.Description == nil || *got.Description != "Endpoints first" {
				t.Fatalf("after %s the server has %+v, want title %q and Alice's description", pick, got, want)
			}
		})
	}
}

// TestRefusedEditReopensTheDialog: Bob retitles a card offline; Alice retitles it meanwhile.
// Back online, the server refuses Bob's stale edit (412) and his dialog comes back with the
// conflict, instead of his text vanishing or hers being overwritten.
func TestRefusedEditReopensTheDialog(t *testing.T) {
	s, _, bob := twoUsers(t, "")
	alice := s.login("alice")
	bob.offline(true)
	bob.until("the offline status", `document.querySelector('[data-testid=connection-status]').dataset.state === 'offline'`)
	bob.openCard("task-3")
	bob.run(
		chromedp.SendKeys(`[data-testid=task-title-input]`, " on the new runner"),
		chromedp.Click(`[data-testid=task-save]`),
	)
	bob.until("the dialog closed", dialogClosed)
	s.api(alice, "PATCH", "/tasks/task-3", map[string]any{"title": "Set up CI and CD"}, http.StatusOK, nil)

	bob.offline(false)
	bob.until("the refused edit back in its dialog", dialogOpen+" && "+conflictOn("title"))
	if got := eval[string](bob, titleInput); got != "Set up CI on the new runner" {
		t.Fatalf("Bob's dialog shows %q, want his own title", got)
	}
	if got := s.task(alice, "task-3").Title; got != "Set up CI and CD" {
		t.Fatalf("the server has %q: Alice's title was overwritten", got)
	}
	bob.run(chromedp.Click(`[data-testid=conflict] [data-testid=keep-mine]`), chromedp.Click(`[data-testid=task-save]`))
	bob.until("the dialog closed", dialogClosed)
	bob.until("the change confirmed", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)
	if got := s.task(alice, "task-3").Title; got != "Set up CI on the new runner" {
		t.Fatalf("the server has %q after Bob kept his title", got)
	}
}

// TestDeletedWhileEditingKeepsTheText: Alice deletes the card Bob is writing in. His dialog
// stays, says so, and saves his text as a new card.
func TestDeletedWhileEditingKeepsTheText(t *testing.T) {
	s, _, bob := twoUsers(t, "")
	alice := s.login("alice")
	bob.openCard("task-4")
	bob.run(chromedp.SendKeys(`[data-testid=task-description-input]`, "Three drafts by Friday"))
	s.api(alice, "DELETE", "/tasks/task-4", nil, http.StatusNoContent, nil)

	bob.until("the notice that Alice deleted it", `document.querySelector('[data-testid=task-gone]')?.textContent.includes('Alice')`)
	if !eval[bool](bob, dialogOpen) || eval[string](bob, descInput) != "Three drafts by Friday" {
		t.Fatal("the dialog closed or lost Bob's text when the card was deleted")
	}
	bob.run(chromedp.Click(`[data-testid=task-save-as-new]`))
	bob.until("the dialog closed", dialogClosed)
	bob.until("the new card in Done", cardIn("list-done", "Pick a logo")+" === 1")
	bob.until("the change confirmed", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)

	var res struct {
		Data []serverTask
	}
	s.api(alice, "GET", "/boards/board-1/tasks", nil, http.StatusOK, &res)
	found := false
	for _, task := range res.Data {
		if task.Title == "Pick a logo" {
			found = task.ListID == "list-done" && task.Description != nil && *task.Description == "Three drafts by Friday"
		}
	}
	if !found {
		t.Fatalf("no card with Bob's text in Done: %+v", res.Data)
	}
}

// TestClosingWithUnsavedEditsAsks: Esc, Cancel and a click outside ask before dropping what
// Bob typed; a dialog with nothing typed closes at once.
func TestClosingWithUnsavedEditsAsks(t *testing.T) {
	s, _, bob := twoUsers(t, "")
	asking := `!!document.querySelector('[data-testid=discard-confirm]')`

	bob.openCard("task-1")
	bob.run(chromedp.KeyEvent(kb.Escape))
	bob.until("an untouched dialog closed by Esc", dialogClosed)

	bob.openCard("task-1")
	bob.run(chromedp.SendKeys(`[data-testid=task-title-input]`, "!"))
	closers := map[string]chromedp.Action[chromedp.Void]{
		"Esc":     chromedp.KeyEvent(kb.Escape),
		"Cancel":  chromedp.Click(`[data-testid=task-cancel]`),
		"outside": chromedp.MouseClickXY(5, 5),
	}
	for _, how := range []string{"Esc", "Cancel", "outside"} {
		bob.run(closers[how])
		bob.until("the question after "+how, asking)
		bob.run(chromedp.Click(`[data-testid=keep-editing]`))
		bob.until("the dialog still open after "+how, dialogOpen+" && !"+asking+" && "+titleInput+" === 'Design login page!'")
	}
	bob.run(chromedp.Click(`[data-testid=task-cancel]`))
	bob.until("the question", asking)
	bob.run(chromedp.Click(`[data-testid=discard]`))
	bob.until("the dialog closed", dialogClosed)
	if got := s.task(s.login("alice"), "task-1").Title; got != "Design login page" {
		t.Fatalf("a discarded edit reached the server: %q", got)
	}
}

// TestListRenameAsksOnConflict: Alice renames a list while Bob is renaming it; Bob's rename
// asks which name to keep.
func TestListRenameAsksOnConflict(t *testing.T) {
	s, _, bob := twoUsers(t, "")
	alice := s.login("alice")
	bob.run(
		chromedp.Click(`[data-testid=list][data-list-id=list-todo] .menu summary`),
		chromedp.Click(`[data-testid=list][data-list-id=list-todo] .menu-items button`),
		chromedp.WaitVisible(`[data-testid=rename-input]`),
	)
	s.api(alice, "PATCH", "/lists/list-todo", map[string]any{"name": "Backlog"}, http.StatusOK, nil)
	bob.until("Alice's name on Bob's page", `[...document.querySelectorAll('[data-testid=list][data-list-id=list-todo] *')].some(e => e.textContent.includes('Backlog'))`)
	bob.run(chromedp.SendKeys(`[data-testid=rename-input]`, "Up next"+kb.Enter))
	bob.until("the rename conflict", `document.querySelector('[data-testid=rename-conflict]')?.textContent.includes('Alice')`)
	bob.run(chromedp.Click(`[data-testid=rename-conflict] [data-testid=keep-mine]`))
	bob.until("Bob's name on his page", `document.querySelector('[data-testid=list][data-list-id=list-todo] h2')?.textContent.startsWith("Up next")`)
	bob.until("the change confirmed", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)
	var name string
	var snap struct {
		Lists []struct {
			ID, Name string
		}
	}
	s.api(alice, "GET", "/boards/board-1", nil, http.StatusOK, &snap)
	for _, l := range snap.Lists {
		if l.ID == "list-todo" {
			name = l.Name
		}
	}
	if name != "Up next" {
		t.Fatalf("list-todo is %q on the server, want Bob's chosen name", name)
	}
}

// TestSignOutWithUnsentChangesWarns: signing out with changes still queued asks first.
func TestSignOutWithUnsentChangesWarns(t *testing.T) {
	_, _, bob := twoUsers(t, "")
	bob.offline(true)
	bob.until("the offline status", `document.querySelector('[data-testid=connection-status]').dataset.state === 'offline'`)
	bob.addTask("list-todo", "Not sent yet")
	bob.until("one change waiting", `document.querySelector('[data-testid=pending-count]').textContent === '1'`)
	bob.run(chromedp.Click(`[data-testid=sign-out]`))
	bob.until("the warning", `document.querySelector('[data-testid=signout-warning]')?.textContent.includes('1 change is not saved')`)
	bob.run(chromedp.Click(`[data-testid=signout-warning] button:not(.danger)`))
	bob.until("still signed in", `!document.querySelector('[data-testid=signout-warning]') && !!document.querySelector('[data-testid=sign-out]')`)
	bob.offline(false)
	bob.until("the change sent", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)
}
