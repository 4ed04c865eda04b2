package web_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// mouse sends one mouse event at (x, y) with buttons held.
func mouse(typ input.DispatchMouseEventType, x, y float64, buttons int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		params := input.DispatchMouseEventParams{Type: typ, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: buttons}
		if typ != chromedp.MouseMoved {
			params.ClickCount = 1
		}
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, params)
		return err
	})
}

// TestDragScrollsTheBoardAtItsEdge: a card held near the board's right edge scrolls the board
// until an off-screen list comes into view, and drops there.
func TestDragScrollsTheBoardAtItsEdge(t *testing.T) {
	s := newStack(t)
	alice := s.login("alice")
	var last struct{ ID string }
	for i := range 6 {
		s.api(alice, "POST", "/boards/board-1/lists", map[string]string{"name": fmt.Sprintf("Later %d", i)}, http.StatusCreated, &last)
	}
	p := newBrowser(t).open(t, s, "alice", "/b/board-1")
	p.live()
	target := fmt.Sprintf(`document.querySelector('[data-testid=list][data-list-id=%s]')`, js(last.ID))
	if eval[bool](p, target+`.getBoundingClientRect().left < window.innerWidth`) {
		t.Fatal("the last list is on screen already: the test needs it off screen")
	}
	fx, fy := p.center(`[data-testid=task-card][data-task-id=task-1]`)
	edge := eval[float64](p, `document.querySelector('.canvas').getBoundingClientRect().right - 10`)
	p.run(mouse(chromedp.MousePressed, fx, fy, 1), mouse(chromedp.MouseMoved, fx+20, fy, 1), mouse(chromedp.MouseMoved, edge, fy, 1))
	p.until("the board scrolled to the last list", target+`.getBoundingClientRect().right <= window.innerWidth`)
	r := eval[[]float64](p, `(() => { const r = `+target+`.querySelector('h2').getBoundingClientRect(); return [r.left + r.width / 2, r.bottom + 20]; })()`)
	p.run(mouse(chromedp.MouseMoved, r[0], r[1], 1), mouse(chromedp.MouseReleased, r[0], r[1], 0))
	p.until("task-1 in the last list", taskIn("task-1", last.ID))
	p.until("the move saved", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)
	var task struct{ ListID string }
	s.api(alice, "GET", "/tasks/task-1", nil, http.StatusOK, &task)
	if task.ListID != last.ID {
		t.Fatalf("the server has task-1 in %s, want %s", task.ListID, last.ID)
	}
}

// TestTouchDragAtPhoneSize: at phone size a finger resting on a card lifts it, and moving it
// moves the card; a quick swipe does not.
func TestTouchDragAtPhoneSize(t *testing.T) {
	s := newStack(t)
	p := newBrowser(t).open(t, s, "bob", "/b/board-1")
	p.run(
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 760, DeviceScaleFactor: 2, Mobile: true}); err != nil {
				return err
			}
			_, err := chromedp.Call(ctx, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: true, MaxTouchPoints: 1})
			return err
		}),
		// A page knows it has a touch screen from its load on.
		chromedp.Reload(),
	)
	p.live()
	fx, fy := p.center(`[data-testid=task-card][data-task-id=task-1]`)
	_, ty := p.center(`[data-testid=task-card][data-task-id=task-2]`)
	// The finger is told as pointer events: headless Chromium's emulated touches end in a
	// pan as soon as they move, whatever the page says, where a phone's do not.
	pointer := func(typ string, x, y float64) chromedp.Action[chromedp.Void] {
		buttons := 1
		if typ == "pointerup" {
			buttons = 0
		}
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const target = %q === 'pointerdown' ? document.elementFromPoint(%f, %f) : window;
			target.dispatchEvent(new PointerEvent(%q, {bubbles: true, cancelable: true, pointerType: 'touch', pointerId: 7, isPrimary: true, button: 0, buttons: %d, clientX: %f, clientY: %f}));
		})()`, typ, x, y, typ, buttons, x, y))
	}
	p.run(pointer("pointerdown", fx, fy))
	p.until("the card lifted by a long press", `!!document.querySelector('.ghost')`)
	p.run(pointer("pointermove", fx, (fy+ty)/2), pointer("pointermove", fx, ty+30), pointer("pointerup", fx, ty+30))
	p.until("task-1 after task-2", `(() => {
		const ids = [...document.querySelectorAll('[data-testid=list][data-list-id=list-todo] [data-testid=task-card]')].map(c => c.dataset.taskId);
		return ids.indexOf('task-1') > ids.indexOf('task-2');
	})()`)
	p.until("the move saved", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)
	if eval[bool](p, `document.querySelector('dialog.task-dialog').open`) {
		t.Fatal("the long press opened the card's dialog as well")
	}
	// A quick swipe lifts no card: it scrolls.
	fx, fy = p.center(`[data-testid=task-card][data-task-id=task-2]`)
	p.run(pointer("pointerdown", fx, fy), pointer("pointermove", fx, fy+80), pointer("pointerup", fx, fy+80))
	if eval[bool](p, `!!document.querySelector('.ghost')`) || eval[string](p, `document.querySelector('[data-testid=pending-count]').textContent`) != "0" {
		t.Fatal("a swipe lifted or moved a card")
	}
}
