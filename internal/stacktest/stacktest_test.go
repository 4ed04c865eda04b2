package stacktest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/taskboard/taskboard/internal/stacktest"
	"github.com/taskboard/taskboard/persistence"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// do sends a JSON request with token and returns the status and the decoded body.
func do(t *testing.T, s *stacktest.Server, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func login(t *testing.T, s *stacktest.Server) (int, string) {
	t.Helper()
	status, out := do(t, s, "", "POST", "/auth/login", map[string]string{"email": "alice@example.com", "password": persistence.DemoPassword})
	token, _ := out["token"].(string)
	return status, token
}

// A restarted server answers at the same URL from the same database.
func TestRestartKeepsAddressAndData(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	url := s.URL
	status, token := login(t, s)
	if status != http.StatusOK || token == "" {
		t.Fatalf("login: status %d, token %q", status, token)
	}
	if status, out := do(t, s, token, "POST", "/tasks", map[string]string{"listId": "list-todo", "title": "survives"}); status != http.StatusCreated {
		t.Fatalf("create: status %d: %v", status, out)
	}

	s.Restart()
	if s.URL != url {
		t.Fatalf("restarted at %s, want %s", s.URL, url)
	}
	status, out := do(t, s, token, "GET", "/boards/board-1/tasks", nil)
	if status != http.StatusOK {
		t.Fatalf("tasks after the restart: status %d: %v", status, out)
	}
	if b, _ := json.Marshal(out); !strings.Contains(string(b), `"title":"survives"`) {
		t.Fatalf("tasks after the restart lack the one created before: %s", b)
	}
}

// Empty leaves a new database without the demo users.
func TestEmptyHasNoDemoUsers(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{Empty: true})
	if status, _ := login(t, s); status != http.StatusUnauthorized {
		t.Fatalf("login of a demo user on an empty database: status %d, want 401", status)
	}
}
