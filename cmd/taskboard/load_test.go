package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/taskboard/taskboard/internal/clustertest"
)

// load is writers changing board-1 through REST: each creates tasks, renames and moves its
// own, and records what was acknowledged.
type load struct {
	mu       sync.Mutex
	versions map[string]int // acknowledged tasks and the highest version acknowledged of each
	ok       int            // 2xx answers
	sent     []time.Time    // when the request of each 2xx answer was sent
	statuses map[int]int    // answers that were not 2xx, by status
	bad      []string       // answers neither 2xx nor 503
	lost     []string       // requests that got no answer
	firstOK  time.Time      // of the first 2xx answer after mark
	mark     time.Time
	wake     chan struct{} // closed and replaced on each 2xx answer

	stop chan struct{}
	wg   sync.WaitGroup
}

// startLoad starts perClient writers on each client, each sending ops requests, or until
// stop if ops is 0. A writer whose request gets no answer stops: its node may be gone.
func startLoad(t *testing.T, clients []*clustertest.Client, perClient, ops int) *load {
	l := &load{versions: map[string]int{}, statuses: map[int]int{}, wake: make(chan struct{}), stop: make(chan struct{})}
	for ci, c := range clients {
		for w := range perClient {
			l.wg.Add(1)
			go l.write(c, fmt.Sprintf("n%d-w%d", ci, w), ops)
		}
	}
	t.Cleanup(l.end)
	return l
}

func (l *load) write(c *clustertest.Client, name string, ops int) {
	defer l.wg.Done()
	var own []string // this writer's acknowledged tasks
	for i := 0; ops == 0 || i < ops; i++ {
		select {
		case <-l.stop:
			return
		default:
		}
		method, path, body := "POST", "/tasks", fmt.Sprintf(`{"listId":"list-todo","title":"%s-%d"}`, name, i)
		if len(own) > 0 {
			switch last := own[len(own)-1]; i % 5 {
			case 2:
				method, path, body = "PATCH", "/tasks/"+last, fmt.Sprintf(`{"title":"%s-%d renamed"}`, name, i)
			case 4:
				method, path, body = "PATCH", "/tasks/"+last+"/move", `{"listId":"list-done","position":0}`
			}
		}
		sent := time.Now()
		status, answer, err := c.Do(method, path, body)
		if err != nil {
			l.note(&l.lost, fmt.Sprintf("%s %s%s: %v", method, c.URL, path, err))
			return
		}
		if status/100 != 2 {
			l.failed(status, fmt.Sprintf("%s %s%s: %d %s", method, c.URL, path, status, answer))
			continue
		}
		var task clustertest.Task
		if err := json.Unmarshal(answer, &task); err != nil || task.ID == "" {
			l.failed(status, fmt.Sprintf("%s %s%s: %d %s: no task", method, c.URL, path, status, answer))
			continue
		}
		if method == "POST" {
			own = append(own, task.ID)
		}
		l.acked(task, sent)
	}
}

func (l *load) acked(task clustertest.Task, sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.versions[task.ID] = max(l.versions[task.ID], task.Version)
	l.ok++
	l.sent = append(l.sent, sent)
	if l.firstOK.IsZero() && !l.mark.IsZero() {
		l.firstOK = time.Now()
	}
	close(l.wake)
	l.wake = make(chan struct{})
}

func (l *load) failed(status int, what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.statuses[status]++
	if status != http.StatusServiceUnavailable {
		l.bad = append(l.bad, what)
	}
}

func (l *load) note(list *[]string, what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	*list = append(*list, what)
}

// acks is the number of 2xx answers so far.
func (l *load) acks() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ok
}

// ackedSentBetween is the number of 2xx answers to requests sent between from and to.
func (l *load) ackedSentBetween(from, to time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, at := range l.sent {
		if at.After(from) && at.Before(to) {
			n++
		}
	}
	return n
}

// markNow starts timing the next 2xx answer (firstOK).
func (l *load) markNow() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.mark, l.firstOK = time.Now(), time.Time{}
}

// waitAcks waits until n writes were acknowledged, failing t after within.
func (l *load) waitAcks(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		ok, wake := l.ok, l.wake
		l.mu.Unlock()
		if ok >= n {
			return
		}
		select {
		case <-wake:
		case <-deadline.C:
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("%d writes acknowledged after %v, want %d (failures by status %v, no answer %d)", ok, within, n, l.statuses, len(l.lost))
		}
	}
}

// wait waits until the writers have sent their ops.
func (l *load) wait() { l.wg.Wait() }

// end stops the writers and waits until they have.
func (l *load) end() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
}

// checkKept fails t unless every acknowledged task is in tasks, at its acknowledged version
// or a later one.
func (l *load) checkKept(t *testing.T, tasks []clustertest.Task) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	have := map[string]int{}
	for _, task := range tasks {
		have[task.ID] = task.Version
	}
	for id, v := range l.versions {
		if got, ok := have[id]; !ok || got < v {
			t.Errorf("task %s acknowledged at version %d; now: present %v, version %d", id, v, ok, got)
		}
	}
}
