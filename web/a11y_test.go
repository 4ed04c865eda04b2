package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// unnamed is a JavaScript expression: the form controls and buttons on the page that have no
// accessible name (no label, no aria-label, no text).
const unnamed = `[...document.querySelectorAll('input, select, textarea, button, summary, [tabindex="0"]')]
	.filter(e => e.offsetParent !== null || e.closest('dialog[open]'))
	.filter(e => !((e.labels && e.labels.length) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.textContent.trim()))
	.map(e => e.outerHTML.slice(0, 80))`

// TestAccessibleAndResponsive checks that every control of the sign-in page, the board and the
// card dialog has a name, that the keyboard reaches the cards, and that at phone width the page
// does not overflow sideways (the board scrolls inside itself).
func TestAccessibleAndResponsive(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)
	p := b.open(t, s, "alice", "/b/board-1")
	p.live()
	if n := eval[int](p, `document.querySelectorAll('input, button, summary, [data-testid=task-card]').length`); n < 15 {
		t.Fatalf("only %d controls on the board: the check below would prove nothing", n)
	}
	if names := eval[[]string](p, unnamed); len(names) > 0 {
		t.Errorf("board controls without a name: %q", names)
	}

	// Tab reaches the cards, and Enter opens a card's dialog with focus inside it.
	p.run(chromedp.Focus(`[data-testid=task-card][data-task-id=task-1]`), chromedp.KeyEvent("\r"))
	p.until("the card dialog with focus inside", `document.querySelector('dialog[open]')?.contains(document.activeElement)`)
	if names := eval[[]string](p, unnamed); len(names) > 0 {
		t.Errorf("dialog controls without a name: %q", names)
	}
	p.run(chromedp.KeyEvent("\u001b")) // Escape
	p.until("the dialog closed, focus back on the card", `!document.querySelector('dialog[open]') && document.activeElement?.dataset.taskId === 'task-1'`)

	p.run(chromedp.EmulateViewport(390, 760))
	p.until("no sideways overflow at phone width", `document.documentElement.scrollWidth <= window.innerWidth`)
	if w := eval[float64](p, `document.querySelector('[data-testid=list]').getBoundingClientRect().width`); w < 250 || w > 390 {
		t.Errorf("a list is %.0f px wide at phone width, want most of the 390 px screen", w)
	}

	// open signs Bob in; signing out shows the sign-in page again.
	anon := b.open(t, s, "bob", "/")
	anon.run(chromedp.Click(`.account button`))
	anon.until("the sign-in page", `!!document.querySelector('[data-testid=login-email]')`)
	if names := eval[[]string](anon, unnamed); len(names) > 0 {
		t.Errorf("sign-in controls without a name: %q", names)
	}
}
