package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axe-core, a dev dependency of the UI (never in its bundle), checks each state of the pages
// against WCAG 2.0, 2.1 and 2.2 at levels A and AA. A serious or critical violation fails the
// test.

// axePath is axe-core's browser build, which npm ci installs (make web-check, then make test).
var axePath = filepath.Join("node_modules", "axe-core", "axe.min.js")

// axeTags are the rule sets run: WCAG 2.0, 2.1 and 2.2, levels A and AA.
const axeTags = `['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']`

var axeSource struct {
	once sync.Once
	js   string
	err  error
}

// needAxe returns axe-core's source. Without it the test skips, except under CI=true, where
// the missing install fails, as a missing browser does.
func needAxe(t testing.TB) string {
	t.Helper()
	axeSource.once.Do(func() {
		b, err := os.ReadFile(axePath)
		axeSource.js, axeSource.err = string(b), err
	})
	if axeSource.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the accessibility checks need axe-core (cd web && npm ci): %v", axeSource.err)
		}
		t.Skipf("the accessibility checks need axe-core (cd web && npm ci); skipping: %v", axeSource.err)
	}
	return axeSource.js
}

// axeViolation is one rule axe-core found broken, with the elements that break it.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct {
		Target  []string
		Summary string
	}
}

// axe runs axe-core on the page as it is now and fails the test, without stopping it, for
// each serious or critical violation, naming state, the rule, its impact and the elements.
func (p *page) axe(state string) {
	p.t.Helper()
	src := needAxe(p.t)
	if !eval[bool](p, `typeof window.axe === 'object'`) {
		eval[bool](p, src+"\n;true")
	}
	ctx, cancel := context.WithTimeout(p.ctx, wait)
	defer cancel()
	// Remote cursors are left out: an aria-hidden layer whose name labels fade out by design,
	// so that axe, measuring one mid-fade, would judge a colour no one reads.
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run({exclude: [['.cursors']]}, {
		runOnly: {type: 'tag', values: `+axeTags+`},
		resultTypes: ['violations'],
	}).then(r => r.violations
		.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => ({id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.map(n => ({target: n.target.map(String), summary: n.failureSummary}))})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: axe on %s: %v", p.who, state, err)
	}
	for _, v := range found {
		var b strings.Builder
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n\t%s\n\t\t%s", strings.Join(n.Target, " "), strings.ReplaceAll(n.Summary, "\n", "\n\t\t"))
		}
		p.t.Errorf("%s, %s: %s (%s): %s%s", p.who, state, v.ID, v.Impact, v.Help, b.String())
	}
	for _, low := range eval[[]string](p, placeholderContrast) {
		p.t.Errorf("%s, %s: a placeholder's contrast is below 4.5:1: %s", p.who, state, low)
	}
}

// placeholderContrast is a JavaScript expression: the visible placeholders whose colour has a
// contrast below 4.5:1 with what is behind them (axe-core leaves placeholders out).
const placeholderContrast = `(() => {
	const rgba = c => { const [r, g, b, a = 1] = c.match(/[\d.]+/g).map(Number); return [r, g, b, a]; };
	const over = (top, under) => top.slice(0, 3).map((v, i) => v * top[3] + under[i] * (1 - top[3])).concat(1);
	const lum = c => c.slice(0, 3).map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
		.reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
	const behind = e => {
		const layers = [];
		for (; e; e = e.parentElement) {
			const c = rgba(getComputedStyle(e).backgroundColor);
			if (c[3] > 0) layers.push(c);
			if (c[3] === 1) break;
		}
		return layers.reduceRight((under, top) => over(top, under), [255, 255, 255, 1]);
	};
	return [...document.querySelectorAll('input[placeholder], textarea[placeholder]')]
		.filter(e => e.offsetParent !== null && !e.value)
		.flatMap(e => {
			const bg = behind(e), fg = over(rgba(getComputedStyle(e, '::placeholder').color), bg);
			const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a), ratio = (hi + 0.05) / (lo + 0.05);
			return ratio < 4.5 ? [e.id + ' "' + e.placeholder + '": ' + ratio.toFixed(2)] : [];
		});
})()`

// TestAxe walks every page in each of its states, in light and in dark mode, and runs axe-core
// on each.
func TestAxe(t *testing.T) {
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			needAxe(t)
			s := newStack(t)
			requireWebSocket(t, s)
			b := newBrowser(t)
			open := func(who, path string) *page {
				p := b.open(t, s, who, path)
				p.scheme(scheme)
				return p
			}
			alice := open("alice", "/")
			axeBoards(alice)
			axeBoard(t, s, alice, open("bob", "/b/board-1"))
			axeCards(s, alice)
			axeViewer(open("carol", "/b/board-1"))
			axeSettings(alice)
			axeOffline(t, s, alice)
			axeSignIn(alice)
		})
	}
}

// axeBoards: the boards page, with a tile for each board and its role.
func axeBoards(p *page) {
	p.until("the boards", `document.querySelectorAll('[data-testid=board-link]').length > 0`)
	p.axe("boards page")
}

// axeBoard: the board as its owner sees it, with others present and typing, a list's menu,
// the members panel and the card dialog through its conflict and its questions.
func axeBoard(t *testing.T, s *stack, alice, bob *page) {
	alice.run(chromedp.Click(`a[href='/b/board-1']`))
	alice.live()
	bob.live()
	alice.until("Bob's avatar", avatar("user-bob"))
	alice.axe("board")

	x, y := bob.center(`[data-testid=task-card][data-task-id=task-3]`)
	for i := range 3 {
		bob.run(chromedp.MouseEvent(chromedp.MouseMoved, x+float64(i*10), y))
	}
	alice.until("Bob's cursor", `!!document.querySelector('[data-testid=remote-cursor][data-user-id=user-bob]')`)
	alice.axe("board, someone's cursor")

	bob.openCard("task-3")
	bob.run(chromedp.SendKeys(`[data-testid=task-title-input]`, " now"))
	alice.until("Bob typing", `!!document.querySelector('[data-testid=typing-indicator]')`)
	alice.axe("board, someone typing")
	bob.run(chromedp.KeyEvent(kb.Escape), chromedp.Click(`[data-testid=discard]`))
	bob.until("Bob's dialog closed", dialogClosed)

	alice.run(chromedp.Click(`[data-testid=list][data-list-id=list-todo] details.menu summary`))
	alice.until("the list menu", `document.querySelectorAll('details.menu[open]').length === 1`)
	alice.axe("list menu")
	alice.run(chromedp.KeyEvent(kb.Escape))
	alice.until("the menu closed", `document.querySelectorAll('details.menu[open]').length === 0`)

	alice.run(chromedp.Click(`button[aria-controls=members]`))
	alice.until("the members listed", `document.querySelectorAll('[data-testid=members-panel] [data-testid=member]').length === 3`)
	alice.axe("members panel")
	alice.run(chromedp.SendKeys(`[data-testid=member-email]`, "nobody@example.com"), chromedp.Click(`[data-testid=member-add]`))
	alice.until("the invite refused", `!!document.querySelector('[data-testid=members-panel] .error')`)
	alice.run(chromedp.Click(`[data-testid=delete-board]`))
	alice.axe("members panel, an error and a question")
	alice.run(chromedp.Click(`[aria-label='Close members']`))
	alice.until("the members panel closed", `!document.querySelector('[data-testid=members-panel]')`)

	alice.openCard("task-2")
	alice.axe("card dialog")
	alice.run(chromedp.SendKeys(`[data-testid=task-title-input]`, " today"))
	s.api(s.login("bob"), "PATCH", "/tasks/task-2", map[string]any{"title": "Write the API docs"}, http.StatusOK, nil)
	alice.until("the conflict", conflictOn("title"))
	alice.run(chromedp.Click(`[data-testid=task-save]`))
	alice.until("the hint to choose", `!!document.querySelector('.task-dialog .hint')`)
	alice.axe("card dialog, conflict: keep mine or use theirs")
	alice.run(chromedp.Click(`[data-testid=keep-mine]`), chromedp.KeyEvent(kb.Escape))
	alice.until("the question", `!!document.querySelector('[data-testid=discard-confirm]')`)
	alice.axe("card dialog, discard the edits?")
	alice.run(chromedp.Click(`[data-testid=discard]`))
	alice.until("the dialog closed", dialogClosed)
}

// TestAxeSearch: the boards page with the results of a search across boards, in light and dark
// mode. It stands apart from TestAxe, as the search is a feature of its own on the server.
func TestAxeSearch(t *testing.T) {
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			needAxe(t)
			s := newStack(t)
			requireSearch(t, s)
			p := newBrowser(t).open(t, s, "alice", "/")
			p.scheme(scheme)
			axeBoards(p)
			axeSearch(p)
		})
	}
}

// axeSearch: the boards page with the results of a search across boards.
func axeSearch(p *page) {
	p.run(chromedp.SendKeys(`[data-testid=search-input]`, "logo"))
	p.until("a search result", `document.querySelectorAll('[data-testid=search-hit]').length > 0`)
	p.axe("boards page, search results")
	eval[bool](p, `(() => { const e = document.querySelector('[data-testid=search-input]'); e.value = ''; e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
	p.until("the results gone", `!document.querySelector('[data-testid=search-results]')`)
}

// axeCards: cards with labels (named and colour only), due badges of each kind, checklists,
// comments and several people; the filter bar's menus and a filtered board; the card dialog
// with all of it, its Markdown preview and its activity; the Undo notice; the archived and
// activity panels.
func axeCards(s *stack, alice *page) {
	token := s.login("alice")
	var named, bare label
	s.api(token, "POST", "/boards/board-1/labels", map[string]string{"name": "Urgent", "color": "red"}, http.StatusCreated, &named)
	s.api(token, "POST", "/boards/board-1/labels", map[string]string{"name": "", "color": "yellow"}, http.StatusCreated, &bare)
	for _, c := range []string{"green", "orange", "purple", "blue", "sky", "lime", "pink", "gray"} {
		s.api(token, "POST", "/boards/board-1/labels", map[string]string{"name": c + " label", "color": c}, http.StatusCreated, nil)
	}
	var all struct{ Data []label }
	s.api(token, "GET", "/boards/board-1/labels", nil, http.StatusOK, &all)
	ids := []string{}
	for _, l := range all.Data {
		ids = append(ids, l.ID)
	}
	// Due at the last second of the browser's day (the machine's zone): "today" at any hour
	// but that second.
	now := time.Now()
	day := time.Date(now.Year(), now.Month(), now.Day(), 23, 59, 59, 0, time.Local).UTC().Format(time.RFC3339)
	s.api(token, "PATCH", "/tasks/task-1", map[string]any{"labelIds": ids, "assigneeIds": []string{"user-alice", "user-bob", "user-carol"}, "dueAt": "2020-01-01T10:00:00Z", "description": "# Plan\n\n- **one**\n- [link](https://example.com)\n\n`code`"}, http.StatusOK, nil)
	s.api(token, "PATCH", "/tasks/task-2", map[string]any{"labelIds": []string{bare.ID}, "dueAt": day}, http.StatusOK, nil)
	s.api(token, "PATCH", "/tasks/task-3", map[string]any{"dueAt": "2099-01-01T10:00:00Z"}, http.StatusOK, nil)
	var item struct{ ID string }
	s.api(token, "POST", "/tasks/task-4/checklist", map[string]string{"text": "Shortlist"}, http.StatusCreated, &item)
	s.api(token, "PATCH", "/tasks/task-4", map[string]any{"dueAt": "2020-01-01T10:00:00Z"}, http.StatusOK, nil)
	s.api(token, "PATCH", "/checklist/"+item.ID, map[string]any{"done": true}, http.StatusOK, nil)
	s.api(token, "POST", "/tasks/task-1/checklist", map[string]string{"text": "Sketch"}, http.StatusCreated, nil)
	s.api(token, "POST", "/tasks/task-1/comments", map[string]string{"body": "Looks **good**"}, http.StatusCreated, nil)
	alice.until("the badges", `['overdue', 'today', 'later', 'done'].every(d => document.querySelector('[data-testid=due-badge][data-due=' + d + ']')) && !!document.querySelector('[data-testid=comment-count]')`)
	alice.axe("board, cards with labels and badges")

	alice.run(chromedp.Click(`[data-testid=filter-labels] summary`))
	alice.axe("filter bar, labels menu")
	alice.run(chromedp.Click(fmt.Sprintf(`[data-testid=filter-label][value=%s]`, js(named.ID))), chromedp.KeyEvent(kb.Escape))
	alice.until("the board filtered", `document.querySelectorAll('[data-testid=task-card]').length === 1`)
	alice.axe("board, filtered")
	alice.run(chromedp.Click(`[data-testid=filter-clear]`))

	alice.openCard("task-1")
	alice.run(chromedp.Click(`[data-testid=task-labels] details summary`))
	alice.until("the comment", `!!document.querySelector('[data-testid=comment] .md:not(.plain)')`)
	alice.axe("card dialog with labels, people, checklist and comments")
	alice.run(chromedp.Click(`[data-testid=description-preview]`), chromedp.Click(`[data-testid=task-activity-toggle]`))
	alice.until("the preview and the activity", `!!document.querySelector('[data-testid=description-rendered] h1') && document.querySelectorAll('dialog [data-testid=activity-item]').length > 0`)
	alice.axe("card dialog, Markdown preview and activity")
	alice.run(chromedp.Click(`[data-testid=task-archive]`))
	alice.until("the Undo notice", `!!document.querySelector('[data-testid=notice-action]')`)
	alice.axe("a card archived, with Undo")

	alice.run(chromedp.Click(`[data-testid=archived-toggle]`))
	alice.until("the archived card", `!!document.querySelector('[data-testid=archived-card][data-task-id=task-1]')`)
	alice.axe("archived panel")
	alice.run(chromedp.Click(`[data-testid=archived-card][data-task-id=task-1] [data-testid=restore]`))
	alice.until("task-1 back", `!!document.querySelector('[data-testid=task-card][data-task-id=task-1]')`)
	alice.run(chromedp.Click(`[data-testid=activity-toggle]`))
	alice.until("the activity", `document.querySelectorAll('[data-testid=activity-panel] [data-testid=activity-item]').length > 0`)
	alice.axe("activity panel")
	alice.run(chromedp.Click(`[data-testid=activity-toggle]`))
}

// axeViewer: the board, its dialog (with the labels, people, checklist and comments axeCards
// put on task-1) and its members as a viewer sees them.
func axeViewer(carol *page) {
	carol.live()
	carol.axe("board, viewer")
	carol.openCard("task-1")
	carol.axe("card dialog, viewer")
	carol.run(chromedp.Click(`[data-testid=task-cancel]`))
	carol.until("the dialog closed", dialogClosed)
	carol.run(chromedp.Click(`button[aria-controls=members]`))
	carol.until("the members listed", `document.querySelectorAll('[data-testid=members-panel] [data-testid=member]').length === 3`)
	carol.axe("members panel, viewer")
	carol.close()
}

// axeSettings: the settings page with a token just created, its secret shown.
func axeSettings(p *page) {
	p.run(chromedp.Click(`[data-testid=settings-link]`))
	p.until("the settings page", `!!document.querySelector('[data-testid=tokens]')`)
	p.axe("settings, no tokens")
	p.run(chromedp.SendKeys(`[data-testid=token-name]`, "CI script"), chromedp.Click(`[data-testid=token-create]`))
	p.until("the token listed", `document.querySelectorAll('[data-testid=token]').length === 1 && !!document.querySelector('[data-testid=token-secret]')`)
	p.axe("settings, a new token")
}

// axeOffline: the sync indicator's states and a pending card, a change refused with a notice,
// and the question before signing out with changes waiting.
func axeOffline(t *testing.T, s *stack, p *page) {
	p.run(chromedp.Click(`.brand`))
	p.run(chromedp.Click(`a[href='/b/board-1']`))
	p.live()
	status := `document.querySelector('[data-testid=connection-status]')`
	p.offline(true)
	p.until("Offline", status+`.dataset.state === 'offline'`)
	// The list goes before the change reaches the server, which will refuse it.
	s.api(s.login("alice"), "DELETE", "/lists/list-done", nil, http.StatusNoContent, nil)
	p.addTask("list-done", "Not sent yet")
	p.run(chromedp.Focus(`#new-list`), chromedp.SendKeys(`#new-list`, "Later"+kb.Enter))
	p.until("two changes waiting", `document.querySelector('[data-testid=pending-count]').textContent === '2'`)
	p.axe("offline, a card and a list waiting")

	p.run(chromedp.Click(`[data-testid=sign-out]`))
	p.until("the warning", `!!document.querySelector('[data-testid=signout-warning]')`)
	p.axe("sign out with a change waiting")
	p.run(chromedp.Click(`[data-testid=signout-warning] button:not(.danger)`))

	// The server goes away while the browser is online: the changes wait, and say so.
	s.Stop()
	p.offline(false)
	p.until("the server unreachable", status+`.textContent.startsWith("Can't reach")`)
	p.axe("server unreachable")
	s.Restart()

	// Back, the server refuses the change to the list that is gone, with a notice.
	p.until("the notice", `!!document.querySelector('[data-testid=notice]')`)
	p.until("nothing waiting", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)
	p.axe("a change refused, with a notice")
}

// axeSignIn: the sign-in page, with an error, and the sign-up form.
func axeSignIn(p *page) {
	p.run(chromedp.Click(`[data-testid=sign-out]`))
	p.until("the sign-in page", `!!document.querySelector('[data-testid=login-email]')`)
	p.axe("sign in")
	p.run(
		chromedp.SendKeys(`[data-testid=login-email]`, "alice@example.com"),
		chromedp.SendKeys(`[data-testid=login-password]`, "wrong password"),
		chromedp.Click(`[data-testid=login-submit]`),
	)
	p.until("the error", `!!document.querySelector('.auth .error')`)
	p.axe("sign in, wrong password")
	p.run(chromedp.Click(`.auth .switch button`))
	p.until("the sign-up form", `!!document.querySelector('input[name=name]')`)
	p.axe("sign up")
}
