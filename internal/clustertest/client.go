package clustertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// DemoPassword is the password of the demo users.
const DemoPassword = "taskboard-demo"

// requestTimeout bounds one request of Client.
const requestTimeout = 15 * time.Second

// Client calls one node's REST API with one token. It is safe for concurrent use.
type Client struct {
	URL   string
	Token string
	http  *http.Client
}

// NewClient returns a client of the node at url with token, whose idle connections t's
// cleanup closes.
func NewClient(t testing.TB, url, token string) *Client {
	c := &Client{URL: url, Token: token, http: &http.Client{Transport: &http.Transport{}, Timeout: requestTimeout}}
	t.Cleanup(c.http.CloseIdleConnections)
	return c
}

// Login logs the demo user email in at the node at url and returns a client with the token.
func Login(t testing.TB, url, email string) *Client {
	t.Helper()
	c := NewClient(t, url, "")
	status, body, err := c.Do("POST", "/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, email, DemoPassword))
	var sess struct{ Token string }
	if err == nil {
		err = json.Unmarshal(body, &sess)
	}
	if err != nil || status != http.StatusOK || sess.Token == "" {
		t.Fatalf("login %s at %s: %d %s %v", email, url, status, body, err)
	}
	c.Token = sess.Token
	return c
}

// On returns a client of the node at url with c's token.
func (c *Client) On(t testing.TB, url string) *Client {
	return NewClient(t, url, c.Token)
}

// Do sends a request with a JSON body (none if body is empty) and returns the status and the
// body of the answer. err is set when no answer came.
func (c *Client) Do(method, path, body string) (status int, answer []byte, err error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.URL+path, r)
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err = io.ReadAll(resp.Body)
	return resp.StatusCode, answer, err
}

// Get sends a GET and decodes its answer into v, failing t unless it is 200.
func (c *Client) Get(t testing.TB, path string, v any) {
	t.Helper()
	status, body, err := c.Do("GET", path, "")
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET %s%s: %d %s %v", c.URL, path, status, body, err)
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(v); err != nil {
		t.Fatalf("GET %s%s: %v", c.URL, path, err)
	}
}

// Task is what the tests read of a task.
type Task struct {
	ID       string `json:"id"`
	ListID   string `json:"listId"`
	Title    string `json:"title"`
	Position int    `json:"position"`
	Version  int    `json:"version"`
}

// Tasks returns the tasks of a board and its seq, as the node answers them.
func (c *Client) Tasks(t testing.TB, board string) ([]Task, int64) {
	t.Helper()
	var page struct {
		Data []Task `json:"data"`
		Seq  int64  `json:"seq"`
	}
	c.Get(t, "/boards/"+board+"/tasks", &page)
	return page.Data, page.Seq
}
