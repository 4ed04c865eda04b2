package web_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// BenchmarkDragToOtherPage measures the time from a card's drop on one user's page to the card
// standing in its new list on another user's page: the drop's optimistic move, the REST call,
// the board's commit, and the event's way over the live connection into the other page's DOM.
// Both times are taken inside the browser (one clock), so the harness's own round trips do not
// count. It reports the median and the 90th percentile:
//
//	go test ./web -run '^$' -bench DragToOtherPage -benchtime 20x
func BenchmarkDragToOtherPage(b *testing.B) {
	s := newStack(b)
	br := newBrowser(b)
	alice := br.open(b, s, "alice", "/b/board-1")
	bob := br.open(b, s, "bob", "/b/board-1")
	alice.live()
	bob.live()
	alice.run(chromedp.Evaluate[chromedp.Void](`addEventListener('pointerup', () => { window.__dropAt = performance.timeOrigin + performance.now(); }, {capture: true})`, chromedp.EvalIgnoreExceptions))

	lists := []string{"list-done", "list-todo"}
	var samples []float64
	i := 0
	for b.Loop() {
		to := lists[i%2]
		i++
		// Bob's page notes the moment the card lands in the target list.
		bob.run(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.__arrivedAt = 0; (() => {
			const sel = '[data-testid=list][data-list-id=%s] [data-testid=task-card][data-task-id=task-1]';
			const obs = new MutationObserver(() => {
				if (document.querySelector(sel)) { window.__arrivedAt = performance.timeOrigin + performance.now(); obs.disconnect(); }
			});
			obs.observe(document.body, {subtree: true, childList: true});
		})()`, to), chromedp.EvalIgnoreExceptions))
		alice.drag("task-1", to)
		bob.until("task-1 in "+to, `window.__arrivedAt > 0`)
		ms := eval[float64](bob, `window.__arrivedAt`) - eval[float64](alice, `window.__dropAt`)
		samples = append(samples, ms)
		alice.until("the move confirmed", `document.querySelector('[data-testid=pending-count]').textContent === '0'`)
	}
	slices.Sort(samples)
	b.ReportMetric(samples[len(samples)/2], "median-ms")
	b.ReportMetric(samples[len(samples)*9/10], "p90-ms")
	b.ReportMetric(0, "ns/op") // the loop's own time includes the harness's round trips
	b.Logf("drag to other page over %d drops: median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms",
		len(samples), samples[len(samples)/2], samples[len(samples)*9/10], samples[0], samples[len(samples)-1])
}

// BenchmarkRemoteChangeOn2000Cards measures a remote change on a board of 2,000 cards: from
// the moment another user's rename is sent to the next frame after the card shows it on this
// page (one machine, one clock). With -cpu-throttle the page runs on a CPU four times slower,
// as a phone's:
//
//	go test ./web -run '^$' -bench RemoteChangeOn2000Cards -benchtime 30x
func BenchmarkRemoteChangeOn2000Cards(b *testing.B) {
	for _, throttle := range []float64{1, 4} {
		b.Run(fmt.Sprintf("cpu/%g", throttle), func(b *testing.B) {
			s := newStack(b)
			alice := s.login("alice")
			lists := []string{"list-todo", "list-in-progress", "list-done"}
			var ids []string
			for i := range 2000 {
				var task struct{ ID string }
				s.api(alice, "POST", "/tasks", map[string]string{"listId": lists[i%3], "title": fmt.Sprintf("card %d", i)}, 201, &task)
				ids = append(ids, task.ID)
			}
			p := newBrowser(b).open(b, s, "bob", "/b/board-1")
			p.live()
			p.until("2,000 cards", `document.querySelectorAll('[data-testid=task-card]').length >= 2000`)
			p.run(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: throttle})
				return err
			}))
			var samples []float64
			i := 0
			for b.Loop() {
				id := ids[(i*37)%len(ids)]
				title := fmt.Sprintf("renamed %d", i)
				i++
				p.run(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.__paintedAt = 0; (() => {
					const card = document.querySelector('[data-testid=task-card][data-task-id=%s] .title');
					const obs = new MutationObserver(() => {
						if (card.textContent === %s) { obs.disconnect(); requestAnimationFrame(() => { window.__paintedAt = Date.now(); }); }
					});
					obs.observe(card, {subtree: true, childList: true, characterData: true});
				})()`, js(id), js(title)), chromedp.EvalIgnoreExceptions))
				sent := float64(time.Now().UnixMilli())
				s.api(alice, "PATCH", "/tasks/"+id, map[string]string{"title": title}, 200, nil)
				p.until("the rename painted", `window.__paintedAt > 0`)
				samples = append(samples, eval[float64](p, `window.__paintedAt`)-sent)
			}
			slices.Sort(samples)
			b.ReportMetric(samples[len(samples)/2], "median-ms")
			b.ReportMetric(samples[len(samples)*9/10], "p90-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// cardsProbe runs in the page before its own scripts: it notes when each WebSocket message
// arrives (its listener is the first on the socket), and when the board first shows every card,
// after the frame that paints them.
const cardsProbe = `(() => {
	const WS = window.WebSocket;
	window.WebSocket = class extends WS {
		constructor(...a) { super(...a); this.addEventListener('message', () => { window.__arrivedAt = performance.now(); }); }
	};
	const want = %d, cards = document.getElementsByClassName('card');
	const obs = new MutationObserver(() => {
		if (cards.length < want) return;
		obs.disconnect();
		requestAnimationFrame(() => setTimeout(() => { window.__renderedAt = performance.now(); }));
	});
	document.addEventListener('DOMContentLoaded', () => obs.observe(document.body, {subtree: true, childList: true}));
})()`

// BenchmarkCardsWithBadgesOn2000 renders a board of 2,000 cards that carry labels, due dates,
// checklists, comment counts and several people, then measures remote changes to them: from
// the moment the change's event reaches the page (its WebSocket message) to the first paint
// that shows it, the page's own share of interaction to next paint, which must stay within
// 50 ms at the 90th percentile; and, for reference, from the request to that paint. It reports
// the first render of the board too (navigation start to the frame that paints every card):
//
//	go test -tags sqlite_fts5 ./web -run '^$' -bench CardsWithBadgesOn2000 -benchtime 40x
func BenchmarkCardsWithBadgesOn2000(b *testing.B) {
	const n = 2000
	s := newStack(b)
	alice := s.login("alice")
	var labelIDs []string
	for i, c := range []string{"green", "yellow", "orange", "red", "purple", "blue"} {
		var l struct{ ID string }
		s.api(alice, "POST", "/boards/board-1/labels", map[string]string{"name": fmt.Sprintf("label %d", i), "color": c}, 201, &l)
		labelIDs = append(labelIDs, l.ID)
	}
	lists := []string{"list-todo", "list-in-progress", "list-done"}
	people := []string{"user-alice", "user-bob", "user-carol"}
	now := time.Now().UTC()
	var ids []string
	for i := range n {
		body := map[string]any{
			"listId":      lists[i%3],
			"title":       fmt.Sprintf("card %d", i),
			"labelIds":    []string{labelIDs[i%6], labelIDs[(i+2)%6]},
			"assigneeIds": people[:1+i%3],
			"dueAt":       now.Add(time.Duration(i%7-3) * 24 * time.Hour).Format(time.RFC3339),
		}
		var task struct{ ID string }
		s.api(alice, "POST", "/tasks", body, 201, &task)
		ids = append(ids, task.ID)
		if i%10 == 0 {
			s.api(alice, "POST", "/tasks/"+task.ID+"/checklist", map[string]string{"text": "step"}, 201, nil)
		}
		if i%20 == 0 {
			s.api(alice, "POST", "/tasks/"+task.ID+"/comments", map[string]string{"body": "noted"}, 201, nil)
		}
	}
	p := newBrowser(b).open(b, s, "bob", "/b/board-1")
	p.run(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: fmt.Sprintf(cardsProbe, n+4)})
		return err
	}), chromedp.Reload())
	p.live()
	p.until("2,000 cards painted", `window.__renderedAt > 0`)
	firstRender := eval[float64](p, `window.__renderedAt`)
	if got := eval[int](p, `document.querySelectorAll('[data-testid=label-chip]').length`); got < 2*n {
		b.Fatalf("%d label chips on the board, want at least %d", got, 2*n)
	}

	var page2paint, sent2paint []float64
	i := 0
	for b.Loop() {
		id := ids[(i*37)%len(ids)]
		// Alternately a title and a label: the text and a chip of the card change.
		change, shows := map[string]any{"title": fmt.Sprintf("renamed %d", i)}, fmt.Sprintf(`c.querySelector('.title').textContent === %s`, js(fmt.Sprintf("renamed %d", i)))
		if i%2 == 1 {
			l := labelIDs[(i/2)%6]
			change, shows = map[string]any{"labelIds": []string{l}}, fmt.Sprintf(`c.querySelectorAll('[data-testid=label-chip]').length === 1 && !!c.querySelector('[data-label-id=%s]')`, js(l))
		}
		i++
		p.run(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.__paintedAt = 0; window.__arrivedAt = 0; (() => {
			const sel = '[data-testid=task-card][data-task-id=%s]';
			const done = () => { const c = document.querySelector(sel); return c && (%s); };
			const obs = new MutationObserver(() => {
				if (!done()) return;
				obs.disconnect();
				requestAnimationFrame(() => setTimeout(() => { window.__paintedAt = performance.now(); window.__paintedWall = Date.now(); }));
			});
			obs.observe(document.querySelector('.lists'), {subtree: true, childList: true, characterData: true, attributes: true});
		})()`, id, shows), chromedp.EvalIgnoreExceptions))
		start := float64(time.Now().UnixMilli())
		s.api(alice, "PATCH", "/tasks/"+id, change, 200, nil)
		p.until("the change painted", `window.__paintedAt > 0`)
		page2paint = append(page2paint, eval[float64](p, `window.__paintedAt - window.__arrivedAt`))
		sent2paint = append(sent2paint, eval[float64](p, `window.__paintedWall`)-start)
	}
	slices.Sort(page2paint)
	slices.Sort(sent2paint)
	med, p90 := page2paint[len(page2paint)/2], page2paint[len(page2paint)*9/10]
	b.ReportMetric(firstRender, "first-render-ms")
	b.ReportMetric(med, "event-to-paint-median-ms")
	b.ReportMetric(p90, "event-to-paint-p90-ms")
	b.ReportMetric(sent2paint[len(sent2paint)/2], "request-to-paint-median-ms")
	b.ReportMetric(0, "ns/op")
	b.Logf("2,000 cards with badges: first render %.0f ms; a remote change from its event to the paint: median %.1f ms, p90 %.1f ms, max %.1f ms; from the request: median %.1f ms, p90 %.1f ms (%d changes)",
		firstRender, med, p90, page2paint[len(page2paint)-1], sent2paint[len(sent2paint)/2], sent2paint[len(sent2paint)*9/10], len(page2paint))
	if len(page2paint) >= 10 && p90 > 50 {
		b.Errorf("a remote change takes %.1f ms from its event to the paint at the 90th percentile, want at most 50", p90)
	}
}
