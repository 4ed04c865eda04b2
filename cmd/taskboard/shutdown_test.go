package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestShutdownLosesNothingAcknowledged stops the server while several clients create tasks,
// then starts it again on the same database: every task that was answered 201 is there.
func TestShutdownLosesNothingAcknowledged(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tb.db")
	p := start(t, "--addr", "127.0.0.1:0", "--db", db, "--demo")
	url := strings.TrimPrefix(nextLine(t, p.lines), "listening on ")
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	token := login(t, client, url)

	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	enough := make(chan struct{})
	var once sync.Once
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				body := strings.NewReader(fmt.Sprintf(`{"listId":"list-todo","title":"w%d-%d"}`, w, i))
				req, _ := http.NewRequest("POST", url+"/tasks", body)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				var task struct{ ID string }
				err = json.NewDecoder(resp.Body).Decode(&task)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated || err != nil {
					return // shutting down: 503, or the connection was cut
				}
				mu.Lock()
				acked = append(acked, task.ID)
				if len(acked) >= 40 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	recv(t, enough, "40 acknowledged tasks")
	if err := p.stop(t); err != nil {
		t.Fatalf("run returned %v", err)
	}
	wg.Wait()

	again := start(t, "--addr", "127.0.0.1:0", "--db", db)
	url = strings.TrimPrefix(nextLine(t, again.lines), "listening on ")
	token = login(t, client, url)
	req, _ := http.NewRequest("GET", url+"/boards/board-1/tasks", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Data []struct{ ID string }
		Seq  int64
	}
	err = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]bool{}
	for _, task := range page.Data {
		kept[task.ID] = true
	}
	for _, id := range acked {
		if !kept[id] {
			t.Fatalf("task %s was acknowledged before the shutdown and is gone (%d acknowledged)", id, len(acked))
		}
	}
	if page.Seq < int64(len(acked)) {
		t.Fatalf("board seq %d after %d acknowledged creations", page.Seq, len(acked))
	}
	if err := again.stop(t); err != nil {
		t.Fatal(err)
	}
}
