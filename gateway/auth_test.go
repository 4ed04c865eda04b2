package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/messages"
)

func sessionCookie(t *testing.T, res *response) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == "session" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", res.Header.Values("Set-Cookie"))
	return nil
}

func TestLogin(t *testing.T) {
	e := newServer(t)
	res := e.anon().do(t, "POST", "/auth/login", map[string]string{"email": "alice@example.com", "password": "taskboard-demo"})
	res.want(t, http.StatusOK)
	var sess messages.Session
	res.decode(t, &sess)
	if sess.Token == "" || sess.User != (messages.User{ID: "user-alice", Name: "Alice", Email: "alice@example.com"}) || !sess.ExpiresAt.After(time.Now()) {
		t.Fatalf("session %+v", sess)
	}
	c := sessionCookie(t, res)
	if c.Value != sess.Token || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.Expires.IsZero() {
		t.Fatalf("cookie %+v, want the token, HttpOnly, SameSite=Lax, Path=/, an expiry, not Secure over plain HTTP", c)
	}

	wrongPassword := e.anon().do(t, "POST", "/auth/login", map[string]string{"email": "alice@example.com", "password": "nope-nope"})
	unknownEmail := e.anon().do(t, "POST", "/auth/login", map[string]string{"email": "mallory@example.com", "password": "nope-nope"})
	wrongPassword.wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
	unknownEmail.wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
	if string(wrongPassword.Body) != string(unknownEmail.Body) {
		t.Fatalf("wrong password %s vs unknown email %s: want the same body", wrongPassword.Body, unknownEmail.Body)
	}
	e.anon().do(t, "POST", "/auth/login", "{").wantError(t, http.StatusBadRequest, messages.CodeBadRequest)
}

func TestSecureCookie(t *testing.T) {
	e := newServer(t, func(c *gateway.Config) { c.SecureCookies = true })
	res := e.anon().do(t, "POST", "/auth/login", map[string]string{"email": "bob@example.com", "password": "taskboard-demo"})
	res.want(t, http.StatusOK)
	if c := sessionCookie(t, res); !c.Secure {
		t.Fatalf("cookie %+v, want Secure", c)
	}
}

func TestCookieAuthAndLogout(t *testing.T) {
	e := newServer(t)
	res := e.anon().do(t, "POST", "/auth/login", map[string]string{"email": "bob@example.com", "password": "taskboard-demo"})
	res.want(t, http.StatusOK)
	cookie := "session=" + sessionCookie(t, res).Value

	res = e.anon().do(t, "GET", "/me", nil, "Cookie", cookie)
	res.want(t, http.StatusOK)
	var me messages.User
	res.decode(t, &me)
	if me.ID != "user-bob" {
		t.Fatalf("/me %+v, want bob", me)
	}
	// A state-changing cookie request from a foreign page is refused; without Origin it is not.
	task := map[string]any{"listId": "list-todo", "title": "x"}
	e.anon().do(t, "POST", "/tasks", task, "Cookie", cookie, "Origin", "https://evil.example").wantError(t, http.StatusForbidden, messages.CodeForbidden)
	e.anon().do(t, "POST", "/tasks", task, "Cookie", cookie, "Origin", e.srv.URL).want(t, http.StatusCreated)
	e.anon().do(t, "POST", "/tasks", task, "Cookie", cookie).want(t, http.StatusCreated)

	other := e.as(t, "bob") // a second session of the same user
	res = e.anon().do(t, "POST", "/auth/logout", nil, "Cookie", cookie)
	res.want(t, http.StatusNoContent)
	if c := sessionCookie(t, res); c.Value != "" || c.MaxAge >= 0 {
		t.Fatalf("logout cookie %+v, want it cleared", c)
	}
	e.anon().do(t, "GET", "/me", nil, "Cookie", cookie).wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
	other.do(t, "GET", "/me", nil).want(t, http.StatusOK)

	other.do(t, "POST", "/auth/logout", nil).want(t, http.StatusNoContent)
	other.do(t, "GET", "/me", nil).wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
}

func TestUnauthorized(t *testing.T) {
	e := newServer(t)
	for _, header := range [][]string{
		nil,
		{"Authorization", "Bearer not-a-token"},
		{"Authorization", "Basic YWxpY2U6eA=="},
		{"Authorization", "Bearer"},
		{"Cookie", "session=not-a-token"},
	} {
		for _, ep := range []struct{ method, path string }{
			{"GET", "/me"}, {"GET", "/boards"}, {"POST", "/boards"}, {"GET", "/boards/board-1"},
			{"GET", "/tasks/task-1"}, {"POST", "/tasks"}, {"DELETE", "/lists/list-todo"},
			{"GET", "/boards/board-1/poll"}, {"POST", "/auth/logout"},
		} {
			res := e.anon().do(t, ep.method, ep.path, nil, header...)
			res.wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
			if res.Header.Get("WWW-Authenticate") == "" {
				t.Fatalf("%s %s: 401 without WWW-Authenticate", ep.method, ep.path)
			}
		}
	}
	// Nothing changed on the way.
	if a, _ := e.as(t, "alice").poll(t, "/boards/board-1/updates?since=0"); len(a.Data) != 0 {
		t.Fatalf("events %+v", a.Data)
	}
}

func TestRegister(t *testing.T) {
	e := newServer(t)
	res := e.anon().do(t, "POST", "/auth/register", map[string]string{"email": "dave@example.com", "name": "Dave", "password": "long enough"})
	res.want(t, http.StatusCreated)
	var sess messages.Session
	res.decode(t, &sess)
	if sess.Token == "" || sess.User.Email != "dave@example.com" || sess.User.Name != "Dave" || sessionCookie(t, res).Value != sess.Token {
		t.Fatalf("registered %+v", sess)
	}
	dave := &client{e: e, token: sess.Token}
	var boards struct {
		Data []messages.Board `json:"data"`
	}
	dave.do(t, "GET", "/boards", nil).decode(t, &boards)
	if boards.Data == nil || len(boards.Data) != 0 {
		t.Fatalf("a new user's boards: %+v, want []", boards)
	}
	e.anon().do(t, "POST", "/auth/register", map[string]string{"email": "dave@example.com", "name": "Dave 2", "password": "long enough"}).
		wantError(t, http.StatusConflict, messages.CodeConflict)
	body := e.anon().do(t, "POST", "/auth/register", map[string]string{"email": "x", "name": "", "password": "short"}).
		wantError(t, http.StatusBadRequest, messages.CodeValidation)
	if len(body.Error.Fields) == 0 {
		t.Fatalf("validation without fields: %+v", body.Error)
	}

	closed := newServer(t, func(c *gateway.Config) { c.AllowSignup = false })
	off := closed.anon().do(t, "POST", "/auth/register", map[string]string{"email": "erin@example.com", "name": "Erin", "password": "long enough"})
	unknown := closed.anon().do(t, "POST", "/auth/nothing", nil)
	if diff := cmp.Diff(unknown.wantError(t, http.StatusNotFound, messages.CodeNotFound), off.wantError(t, http.StatusNotFound, messages.CodeNotFound)); diff != "" {
		t.Fatalf("switched-off signup vs unknown route (-unknown +signup):\n%s", diff)
	}
}
