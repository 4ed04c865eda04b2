package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

func TestAPITokenEndpoints(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	expires := messages.NewTime(time.Now().Add(48 * time.Hour))
	res := alice.do(t, "POST", "/me/tokens", map[string]any{"name": "nightly export", "scope": "read-only", "expiresAt": expires})
	res.want(t, http.StatusCreated)
	var created messages.NewAPIToken
	res.decode(t, &created)
	if !strings.HasPrefix(created.Token, "tbp_") || created.Name != "nightly export" || created.Scope != messages.ScopeReadOnly ||
		created.ExpiresAt != expires || res.Header.Get("Location") != "/me/tokens/"+created.ID {
		t.Fatalf("created %s (Location %q)", res.Body, res.Header.Get("Location"))
	}

	// The list shows the token, never its secret.
	res = alice.do(t, "GET", "/me/tokens", nil)
	res.want(t, http.StatusOK)
	if strings.Contains(string(res.Body), created.Token) || strings.Contains(string(res.Body), `"token"`) {
		t.Fatalf("the list reveals a secret: %s", res.Body)
	}
	var list struct {
		Data []messages.APIToken `json:"data"`
	}
	res.decode(t, &list)
	if len(list.Data) != 1 || list.Data[0] != created.APIToken {
		t.Fatalf("tokens %+v, want %+v", list.Data, created.APIToken)
	}

	// The read-only token reads everything the user may read, streams included, and changes
	// nothing.
	ro := &client{e: e, token: created.Token}
	ro.do(t, "GET", "/boards/board-1", nil).want(t, http.StatusOK)
	ro.stream(t, "/boards/board-1/events").connected(t, "board-1")
	ro.do(t, "POST", "/tasks", map[string]string{"listId": "list-todo", "title": "x"}).wantError(t, http.StatusForbidden, messages.CodeForbidden)
	ro.do(t, "DELETE", "/me/tokens/"+created.ID, nil).wantError(t, http.StatusForbidden, messages.CodeForbidden)

	// A read-write token changes boards, but cannot manage credentials.
	rw, rwID := alice.apiToken(t, messages.ScopeReadWrite)
	rw.createTask(t, "list-todo", "by script")
	rw.do(t, "POST", "/me/tokens", map[string]string{"name": "another"}).wantError(t, http.StatusForbidden, messages.CodeForbidden)
	rw.do(t, "POST", "/me/password", map[string]string{"currentPassword": persistence.DemoPassword, "newPassword": "hijacked!"}).
		wantError(t, http.StatusForbidden, messages.CodeForbidden)

	for _, body := range []map[string]any{
		{"name": ""},
		{"name": "x", "scope": "admin"},
		{"name": "x", "expiresAt": messages.NewTime(time.Now().Add(-time.Minute))},
		{"name": "x", "expiresAt": messages.NewTime(time.Now().Add(2 * messages.MaxTokenLife))},
	} {
		alice.do(t, "POST", "/me/tokens", body).wantError(t, http.StatusBadRequest, messages.CodeValidation)
	}

	// Revoking: another user's token is not found; one's own is gone at once.
	bob := e.as(t, "bob")
	bob.do(t, "DELETE", "/me/tokens/"+rwID, nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	alice.do(t, "DELETE", "/me/tokens/"+rwID, nil).want(t, http.StatusNoContent)
	rw.do(t, "GET", "/me", nil).wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
	alice.do(t, "DELETE", "/me/tokens/"+rwID, nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)

	// An expired token is refused.
	e.clock.Advance(48 * time.Hour)
	ro.do(t, "GET", "/me", nil).wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
}

func TestChangePasswordEndpoint(t *testing.T) {
	e := newServer(t)
	current, other := e.as(t, "bob"), e.as(t, "bob")
	change := func(cur, next string) *response {
		return current.do(t, "POST", "/me/password", map[string]string{"currentPassword": cur, "newPassword": next})
	}
	body := change("wrong password", "a new password").wantError(t, http.StatusBadRequest, messages.CodeValidation)
	if body.Error.Fields["currentPassword"] == "" {
		t.Fatalf("error %+v, want it on currentPassword", body.Error)
	}
	body = change(persistence.DemoPassword, "short").wantError(t, http.StatusBadRequest, messages.CodeValidation)
	if body.Error.Fields["newPassword"] == "" {
		t.Fatalf("error %+v, want it on newPassword", body.Error)
	}
	other.do(t, "GET", "/me", nil).want(t, http.StatusOK)

	change(persistence.DemoPassword, "a new password").want(t, http.StatusNoContent)
	current.do(t, "GET", "/me", nil).want(t, http.StatusOK)
	other.do(t, "GET", "/me", nil).wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
	login := func(password string) *response {
		return e.anon().do(t, "POST", "/auth/login", map[string]string{"email": "bob@example.com", "password": password})
	}
	login(persistence.DemoPassword).wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
	login("a new password").want(t, http.StatusOK)
}

// The wire shape of a created token: the secret next to the listed fields.
func TestAPITokenShape(t *testing.T) {
	e := newServer(t)
	res := e.as(t, "carol").do(t, "POST", "/me/tokens", map[string]string{"name": "ci"})
	res.want(t, http.StatusCreated)
	var fields map[string]any
	if err := json.Unmarshal(res.Body, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"token", "id", "name", "scope", "createdAt", "expiresAt"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("created token %s lacks %q", res.Body, k)
		}
	}
	if fields["scope"] != "read-only" {
		t.Errorf("default scope %v, want read-only", fields["scope"])
	}
}
