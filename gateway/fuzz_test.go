package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/taskboard/taskboard/internal/stacktest"
	"github.com/taskboard/taskboard/persistence"
)

// fuzzServer starts one real server for a fuzz target and signs Alice in on it.
func fuzzServer(f *testing.F) (*stacktest.Server, *http.Client, string) {
	s := stacktest.Start(f, stacktest.Options{})
	c := s.Client()
	body, _ := json.Marshal(map[string]string{"email": "alice@example.com", "password": persistence.DemoPassword})
	resp, err := c.Post(s.URL+"/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		f.Fatal(err)
	}
	defer resp.Body.Close()
	var sess struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&sess); err != nil || sess.Token == "" {
		f.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	return s, c, sess.Token
}

// FuzzCommandBodies sends the same bytes as the body of every command that takes one: the
// answer is a success or a client error with the protocol's error body, never a 5xx.
func FuzzCommandBodies(f *testing.F) {
	for _, s := range []string{
		`{"listId":"list-todo","title":"x"}`, `{"title":null}`, `{"title":"a","description":"` + "\u0000" + `"}`,
		`{"listId":"list-done","position":99999999999999999999}`, `{"name":"` + "\u202e" + `"}`,
		`{"email":"bob@example.com","role":"owner"}`, `{"clientMutationId":{}}`, `[]`, `null`, `{"a":1}{"b":2}`,
		`{"position":-0.5}`, `{"assigneeId":"user-bob","listId":7}`, "\xff\xfe", ``,
	} {
		f.Add([]byte(s))
	}
	s, c, token := fuzzServer(f)
	routes := []struct{ method, path string }{
		{"POST", "/tasks"}, {"PATCH", "/tasks/task-2"}, {"PATCH", "/tasks/task-2/move"},
		{"POST", "/boards/board-1/lists"}, {"PATCH", "/lists/list-done"}, {"PATCH", "/boards/board-2"},
		{"POST", "/boards/board-1/members"}, {"PATCH", "/boards/board-1/members/user-carol"},
		{"POST", "/boards"}, {"POST", "/me/tokens"}, {"POST", "/auth/login"},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, r := range routes {
			req, _ := http.NewRequest(r.method, s.URL+r.path, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", r.method, r.path, err)
			}
			answer, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("%s %s with %q: %d %s", r.method, r.path, body, resp.StatusCode, answer)
			}
			var e struct{ Error *struct{ Code string } }
			if resp.StatusCode >= 400 && (json.Unmarshal(answer, &e) != nil || e.Error == nil || e.Error.Code == "") {
				t.Fatalf("%s %s with %q: %d without the error body: %s", r.method, r.path, body, resp.StatusCode, answer)
			}
		}
	})
}

// FuzzBearerTokens presents any bytes as a credential: the answer is 200 or 401, never more.
func FuzzBearerTokens(f *testing.F) {
	for _, s := range []string{"Bearer x", "bearer  ", "Basic abc", "Bearer tbp_", "Bearer tbp_\x00", "Bearer " + string(bytes.Repeat([]byte("a"), 5000)), ""} {
		f.Add(s)
	}
	s, c, token := fuzzServer(f)
	f.Add("Bearer " + token)
	f.Fuzz(func(t *testing.T, header string) {
		req, _ := http.NewRequest("GET", s.URL+"/me", nil)
		req.Header["Authorization"] = []string{header}
		req.Header["Cookie"] = []string{"session=" + header}
		resp, err := c.Do(req)
		if err != nil {
			return // not a header net/http will send
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("Authorization %q: %d", header, resp.StatusCode)
		}
	})
}
