package gateway_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// cutOff is how soon a revoked stream must end.
const cutOff = time.Second

// endsBy waits for the server to end the stream before deadline, discarding what comes first.
func (s *sseStream) endsBy(t *testing.T, deadline <-chan time.Time, what string) {
	t.Helper()
	for {
		select {
		case _, ok := <-s.frames:
			if !ok {
				if s.err != nil {
					t.Fatalf("%s: stream broke with %v, want a clean end", what, s.err)
				}
				return
			}
		case <-deadline:
			t.Fatalf("%s: stream still open after %s", what, cutOff)
		}
	}
}

// answerBy waits for a background request's answer before deadline.
func answerBy(t *testing.T, answer <-chan *response, deadline <-chan time.Time, what string) *response {
	t.Helper()
	select {
	case res := <-answer:
		return res
	case <-deadline:
		t.Fatalf("%s: no answer within %s", what, cutOff)
	}
	return nil
}

// awaitWaiting waits until a long poll is parked on its subscription.
func (e *env) awaitWaiting(t *testing.T, reqID string) {
	t.Helper()
	e.logs.await(t, map[string]any{"req": reqID, "message": "long poll waiting"})
}

// Removing a member ends their streams and long polls on the board within a second, after the
// member_removed event; reconnecting then finds no board. Other members stay connected.
func TestRemovedMemberIsCutOff(t *testing.T) {
	e := newServer(t)
	alice, bob, carol := e.as(t, "alice"), e.as(t, "bob"), e.as(t, "carol")
	carolSSE := carol.stream(t, "/boards/board-1/events")
	carolSSE.connected(t, "board-1")
	bobSSE := bob.stream(t, "/boards/board-1/events")
	bobSSE.connected(t, "board-1")
	poll := carol.asyncPoll(t, context.Background(), "/boards/board-1/poll", "carol-poll")
	e.awaitWaiting(t, "carol-poll")

	deadline := time.After(cutOff)
	alice.do(t, "DELETE", "/boards/board-1/members/user-carol", nil).want(t, http.StatusNoContent)
	if ev := carolSSE.event(t); ev.Type != messages.MemberRemoved || ev.UserID != "user-carol" {
		t.Fatalf("carol got %+v, want her member_removed", ev)
	}
	carolSSE.endsBy(t, deadline, "carol's stream")
	res := answerBy(t, poll, deadline, "carol's long poll")
	var a pollAnswer
	res.want(t, http.StatusOK)
	res.decode(t, &a)
	if len(a.Data) != 1 || a.Data[0].Type != messages.MemberRemoved {
		t.Fatalf("carol's poll answered %s, want her member_removed", res.Body)
	}

	for _, path := range []string{"/boards/board-1/events", "/boards/board-1/poll?since=0", "/boards/board-1/updates?since=0"} {
		carol.do(t, "GET", path, nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	}
	if ev := bobSSE.event(t); ev.Type != messages.MemberRemoved {
		t.Fatalf("bob got %+v", ev)
	}
	alice.createTask(t, "list-todo", "still here")
	if ev := bobSSE.event(t); ev.Type != messages.TaskCreated {
		t.Fatalf("bob got %+v, want his stream to go on", ev)
	}
}

// revocation is one way a credential ends: revoke ends the credential of cut by way of other
// (the same user's); api makes cut an API token rather than a session.
type revocation struct {
	name   string
	revoke func(t *testing.T, cut, other *client, cutTokenID string)
	api    bool
}

// revocations are every way a credential ends before its time.
// setUp starts a server and logs Bob in twice: cut is the credential the revocation ends (an
// API token of other's when the revocation is of one), other keeps going.
func (r revocation) setUp(t *testing.T) (e *env, cut, other *client, cutTokenID string) {
	t.Helper()
	e = newServer(t)
	other = e.as(t, "bob")
	cut = e.as(t, "bob")
	if r.api {
		cut, cutTokenID = other.apiToken(t, messages.ScopeReadWrite)
	}
	return e, cut, other, cutTokenID
}

var revocations = []revocation{
	{"logout", func(t *testing.T, cut, _ *client, _ string) {
		cut.do(t, "POST", "/auth/logout", nil).want(t, http.StatusNoContent)
	}, false},
	{"API token revoked", func(t *testing.T, _, other *client, id string) {
		other.do(t, "DELETE", "/me/tokens/"+id, nil).want(t, http.StatusNoContent)
	}, true},
	{"logout with the API token", func(t *testing.T, cut, _ *client, _ string) {
		cut.do(t, "POST", "/auth/logout", nil).want(t, http.StatusNoContent)
	}, true},
	{"password changed in another session", func(t *testing.T, _, other *client, _ string) {
		other.do(t, "POST", "/me/password", map[string]string{"currentPassword": "taskboard-demo", "newPassword": "a new password"}).
			want(t, http.StatusNoContent)
	}, false},
}

// Revoking a credential ends the streams and long polls opened with it within a second; the
// same user's other credentials keep theirs.
func TestRevokedCredentialIsCutOff(t *testing.T) {
	tests := revocations
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, cut, other, tokenID := tt.setUp(t)
			cutSSE := cut.stream(t, "/boards/board-1/events")
			cutSSE.connected(t, "board-1")
			otherSSE := other.stream(t, "/boards/board-1/events")
			otherSSE.connected(t, "board-1")
			poll := cut.asyncPoll(t, context.Background(), "/boards/board-1/poll", "cut-poll")
			e.awaitWaiting(t, "cut-poll")

			deadline := time.After(cutOff)
			tt.revoke(t, cut, other, tokenID)
			cutSSE.endsBy(t, deadline, "the revoked credential's stream")
			res := answerBy(t, poll, deadline, "the revoked credential's long poll")
			res.wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)

			cut.do(t, "GET", "/boards/board-1/events", nil).wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
			other.createTask(t, "list-todo", "still here")
			if ev := otherSSE.event(t); ev.Type != messages.TaskCreated {
				t.Fatalf("the other session got %+v, want its stream to go on", ev)
			}
		})
	}
}

func TestLongPollOfRevokedCredentialSaysWhy(t *testing.T) {
	e := newServer(t)
	bob := e.as(t, "bob")
	poll := bob.asyncPoll(t, context.Background(), "/boards/board-1/poll", "bob-poll")
	e.awaitWaiting(t, "bob-poll")
	bob.do(t, "POST", "/auth/logout", nil).want(t, http.StatusNoContent)
	res := answerBy(t, poll, time.After(cutOff), "long poll")
	var body errorBody
	res.decode(t, &body)
	if res.Status != http.StatusUnauthorized || body.Error.Message != "the session or token was revoked" {
		t.Fatalf("answer %d %s, want 401 saying the session was revoked", res.Status, res.Body)
	}
}
