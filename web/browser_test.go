package web_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"go.uber.org/goleak"

	"github.com/taskboard/taskboard/persistence"
)

// TestMain runs the tests, then closes the shared browser before goleak looks for goroutines
// left behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(closingBrowser{m})
}

// closingBrowser runs the tests and closes the browser they shared.
type closingBrowser struct{ m *testing.M }

func (c closingBrowser) Run() int {
	defer shared.close()
	return c.m.Run()
}

// wait bounds every wait for the page; nothing here sleeps to synchronise.
const wait = 15 * time.Second

// chromium is Debian's browser, which .ci/run installs.
const chromium = "/usr/bin/chromium"

// browser is one headless Chromium with a fresh profile, shared by the package's tests; each
// user gets a browser context of their own (cookies, storage), as two people on two machines
// would.
type browser struct {
	ctx context.Context
}

// shared is the package's browser, started by the first test that needs one.
var shared sharedBrowser

type sharedBrowser struct {
	once    sync.Once
	b       *browser
	err     error // why Chromium did not start
	cancel  func()
	profile string
}

// newBrowser returns the package's Chromium, starting it for the first test that asks.
// Without it the test skips, except under CI=true, where a missing browser fails.
func newBrowser(t testing.TB) *browser {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests need %s (apt-get install chromium): %v", chromium, err)
		}
		t.Skipf("browser tests need %s (apt-get install chromium); skipping", chromium)
	}
	shared.once.Do(shared.start)
	if shared.err != nil {
		t.Fatalf("start %s: %v", chromium, shared.err)
	}
	return shared.b
}

func (s *sharedBrowser) start() {
	profile, err := os.MkdirTemp("", "taskboard-chromium-")
	if err != nil {
		s.err = err
		return
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Background tabs must keep their timers: each user's page is one.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	s.profile = profile
	s.cancel = func() {
		cancel()
		cancelAlloc()
	}
	if err := chromedp.Do(ctx); err != nil {
		s.err = err
		return
	}
	s.b = &browser{ctx: ctx}
}

// close stops Chromium, if it was started, and removes its profile.
func (s *sharedBrowser) close() {
	if s.cancel != nil {
		s.cancel()
	}
	if s.profile != "" {
		os.RemoveAll(s.profile)
	}
}

// page is one user's tab.
type page struct {
	t       testing.TB
	ctx     context.Context
	s       *stack
	who     string
	userID  string
	mu      sync.Mutex
	console []chromedp.ConsoleMessage
	cancel  context.CancelFunc
	closed  bool
}

// open opens path for a demo user in a browser context of their own and signs in on the page.
// The page's console is watched: an error in it fails the test.
func (b *browser) open(t testing.TB, s *stack, who, path string) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	p := &page{t: t, ctx: ctx, s: s, who: who, userID: "user-" + who, cancel: cancel}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.console = append(p.console, m)
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		p.close()
		select {
		case <-done:
		case <-time.After(wait):
			t.Errorf("%s's console still read %s after the page closed", who, wait)
		}
		p.checkConsole()
	})
	p.run(chromedp.Navigate(s.URL + path))
	p.login()
	return p
}

func (p *page) close() {
	if !p.closed {
		p.closed = true
		p.cancel()
	}
}

// checkConsole fails the test for errors the page wrote to its console: console.error calls,
// uncaught exceptions and browser log errors. Failed requests the app handles (a refused
// change, a probe, requests while offline) are the browser's network log, not the page's.
func (p *page) checkConsole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.console {
		if (m.Type == chromedp.ConsoleError || m.IsException()) && m.Source != "network" {
			p.t.Errorf("%s's console: %s (%s:%d)", p.who, m, m.URL, m.Line)
		}
	}
}

// noNetworkErrors fails the test if any request of the page failed: a session that changes
// nothing the server refuses, and stays online, must not put a single red line in the console.
// The one expected failure is the signed-out page asking GET /me whether it has a session.
func (p *page) noNetworkErrors() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.console {
		sessionCheck := strings.HasSuffix(m.URL, "/me") && strings.Contains(m.Text, "401")
		if m.Type == chromedp.ConsoleError && m.Source == "network" && !sessionCheck {
			p.t.Errorf("%s's console: a failed request: %s (%s)", p.who, m, m.URL)
		}
	}
}

// run runs actions on the page within the wait.
func (p *page) run(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, wait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", p.who, err)
	}
}

// eval evaluates a JavaScript expression on the page.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, wait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("%s: eval %s: %v", p.who, expr, err)
	}
	return v
}

// until waits for a JavaScript condition to hold on the page, failing with what after the wait.
func (p *page) until(what, cond string) {
	p.t.Helper()
	p.untilWithin(wait, what, cond)
}

func (p *page) untilWithin(d time.Duration, what, cond string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, d+time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(d), chromedp.WithPollingInterval(20*time.Millisecond)))
	if err != nil {
		p.t.Fatalf("%s: waiting for %s: %v", p.who, what, err)
	}
}

// login signs in on the sign-in page and waits for the page behind it.
func (p *page) login() {
	p.t.Helper()
	p.run(
		chromedp.WaitVisible(`[data-testid=login-email]`),
		chromedp.SendKeys(`[data-testid=login-email]`, p.who+"@example.com"),
		chromedp.SendKeys(`[data-testid=login-password]`, persistence.DemoPassword),
		chromedp.Click(`[data-testid=login-submit]`),
	)
	p.until("the page after signing in", `!document.querySelector('[data-testid=login-email]')`)
}

// live waits until the page's connection is live.
func (p *page) live() {
	p.t.Helper()
	p.until("a live connection", `document.querySelector('[data-testid=connection-status]')?.dataset.state === 'live'`)
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	return fmt.Sprintf("%q", s)
}

// cardIn is a JavaScript expression: the number of cards titled title in list listID.
func cardIn(listID, title string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('[data-testid=list][data-list-id=%s] [data-testid=task-card]')].filter(c => c.querySelector('.title').textContent === %s).length`, js(listID), js(title))
}

// cards is a JavaScript expression: the number of cards titled title anywhere on the board.
func cards(title string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('[data-testid=task-card]')].filter(c => c.querySelector('.title').textContent === %s).length`, js(title))
}

// taskIn is a JavaScript expression: whether the card of taskID is in list listID.
func taskIn(taskID, listID string) string {
	return fmt.Sprintf(`!!document.querySelector('[data-testid=list][data-list-id=%s] [data-testid=task-card][data-task-id=%s]')`, js(listID), js(taskID))
}

// addTask types a title into a list's new-task input and presses Enter.
func (p *page) addTask(listID, title string) {
	p.t.Helper()
	sel := fmt.Sprintf(`[data-testid=list][data-list-id=%s] [data-testid=new-task-input]`, js(listID))
	p.run(chromedp.Focus(sel), chromedp.SendKeys(sel, title+kb.Enter))
}

// center returns the viewport centre of the element sel selects.
func (p *page) center(sel string) (float64, float64) {
	p.t.Helper()
	r := eval[[]float64](p, fmt.Sprintf(`(() => { const e = document.querySelector(%s); e.scrollIntoView({block: 'nearest', inline: 'nearest'}); const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`, js(sel)))
	if len(r) != 2 {
		p.t.Fatalf("%s: no element %s", p.who, sel)
	}
	return r[0], r[1]
}

// drag drags a card with the mouse and drops it at the bottom of a list.
func (p *page) drag(taskID, listID string) {
	p.t.Helper()
	tx, ty := p.center(fmt.Sprintf(`[data-testid=list][data-list-id=%s] [data-testid=new-task-input]`, js(listID)))
	p.dragTo(taskID, tx, ty-30) // just above the input: the end of the list's cards
}

// dragTo drags a card with the mouse and drops it at the viewport point (tx, ty).
func (p *page) dragTo(taskID string, tx, ty float64) {
	p.t.Helper()
	fx, fy := p.center(fmt.Sprintf(`[data-testid=task-card][data-task-id=%s]`, js(taskID)))
	mouse := func(typ input.DispatchMouseEventType, x, y float64, buttons int64) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			params := input.DispatchMouseEventParams{Type: typ, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: buttons, ClickCount: 1}
			if typ == chromedp.MouseMoved {
				params.ClickCount = 0
			}
			_, err := chromedp.Call(ctx, input.DispatchMouseEvent, params)
			return err
		})
	}
	steps := []chromedp.Action[chromedp.Void]{mouse(chromedp.MousePressed, fx, fy, 1)}
	const n = 8
	for i := 1; i <= n; i++ {
		steps = append(steps, mouse(chromedp.MouseMoved, fx+(tx-fx)*float64(i)/n, fy+(ty-fy)*float64(i)/n, 1))
	}
	steps = append(steps, mouse(chromedp.MouseReleased, tx, ty, 0))
	p.run(steps...)
}

// offline cuts the page off the network, as a lost connection does, or gives it back.
func (p *page) offline(off bool) {
	p.t.Helper()
	p.run(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		conds := []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}
		if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conds}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
}

// scheme emulates the system's colour scheme, "light" or "dark", on the page.
func (p *page) scheme(s string) {
	p.t.Helper()
	p.run(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: s}},
		})
		return err
	}))
	if got := eval[bool](p, `matchMedia('(prefers-color-scheme: dark)').matches`); got != (s == "dark") {
		p.t.Fatalf("%s: the page is not in %s mode", p.who, s)
	}
}
