package messages_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/taskboard/taskboard/messages"
)

func ptr[T any](v T) *T { return &v }

func TestValidate(t *testing.T) {
	long := strings.Repeat("é", 201)
	tests := []struct {
		name  string
		cmd   interface{ Validate() error }
		field string // "" when valid
	}{
		{"valid task", messages.CreateTask{ListID: "l", Title: "ok"}, ""},
		{"title of 200 characters", messages.CreateTask{ListID: "l", Title: long[:400]}, ""},
		{"blank title", messages.CreateTask{ListID: "l", Title: " \t "}, "title"},
		{"title of 201 characters", messages.CreateTask{ListID: "l", Title: long}, "title"},
		{"missing list", messages.CreateTask{Title: "ok"}, "listId"},
		{"negative position", messages.CreateTask{ListID: "l", Title: "ok", Position: ptr(-1)}, "position"},
		{"description too long", messages.CreateTask{ListID: "l", Title: "ok", Description: ptr(strings.Repeat("x", 10001))}, "description"},
		{"empty patch", messages.UpdateTask{}, ""},
		{"blank new title", messages.UpdateTask{Title: messages.Set("")}, "title"},
		{"null title", messages.UpdateTask{Title: messages.Null()}, "title"},
		{"move without position", messages.MoveTask{ListID: "l"}, "position"},
		{"move without list", messages.MoveTask{Position: ptr(0)}, "listId"},
		{"list name too long", messages.CreateList{Name: strings.Repeat("n", 101)}, "name"},
		{"blank board name", messages.UpdateBoard{Name: ""}, "name"},
		{"list rename only", messages.UpdateList{Name: ptr("Doing")}, ""},
		{"member by email", messages.AddMember{Email: "a@example.com", Role: messages.RoleViewer}, ""},
		{"member by id", messages.AddMember{UserID: "user-bob", Role: messages.RoleOwner}, ""},
		{"member without user", messages.AddMember{Role: messages.RoleViewer}, "userId"},
		{"member by id and email", messages.AddMember{UserID: "u", Email: "a@example.com", Role: messages.RoleViewer}, "email"},
		{"member without role", messages.AddMember{UserID: "u"}, "role"},
		{"member with unknown role", messages.AddMember{UserID: "u", Role: "admin"}, "role"},
		{"role change to nothing", messages.UpdateMember{}, "role"},
		{"role change", messages.UpdateMember{Role: messages.RoleEditor}, ""},
		// A description is checked as it is stored: whitespace counts.
		{"description padded past the limit", messages.CreateTask{ListID: "l", Title: "ok", Description: ptr("x" + strings.Repeat(" ", 10000))}, "description"},
		{"description of 10000 characters", messages.CreateTask{ListID: "l", Title: "ok", Description: ptr(strings.Repeat("é", 10000))}, ""},
		{"description with lines and tabs", messages.UpdateTask{Description: messages.Set("a\n\tb\r\n")}, ""},
		{"NUL in a title", messages.CreateTask{ListID: "l", Title: "a\x00b"}, "title"},
		{"escape in a description", messages.UpdateTask{Description: messages.Set("\x1b[31mred")}, "description"},
		{"invalid UTF-8 in a name", messages.CreateList{Name: "a\xffb"}, "name"},
		{"NUL in a board name", messages.CreateBoard{Name: "a\x00"}, "name"},
		{"NUL in a list id", messages.CreateTask{ListID: "list\x00", Title: "ok"}, "listId"},
		{"space in a list id", messages.MoveTask{ListID: "list todo", Position: ptr(0)}, "listId"},
		{"NUL in an assignee", messages.UpdateTask{AssigneeID: messages.Set("user\x00")}, "assigneeId"},
		{"NUL in a member's email", messages.AddMember{Email: "a\x00@example.com", Role: messages.RoleViewer}, "email"},
		{"NUL in a member's id", messages.AddMember{UserID: "u\x00", Role: messages.RoleViewer}, "userId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cmd.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			e := messages.AsError(err)
			if e.Code != messages.CodeValidation || e.Fields[tt.field] == "" {
				t.Fatalf("got %+v, want a validation error on %s", e, tt.field)
			}
		})
	}
}

func TestErrorCode(t *testing.T) {
	tests := []struct {
		err  error
		want messages.Code
	}{
		{nil, ""},
		{messages.NotFound("task"), messages.CodeNotFound},
		{fmt.Errorf("wrapped: %w", messages.Errorf(messages.CodeConflict, "x")), messages.CodeConflict},
		{errors.New("disk on fire"), messages.CodeInternal},
	}
	for _, tt := range tests {
		if got := messages.ErrorCode(tt.err); got != tt.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if e := messages.AsError(errors.New("SELECT * FROM secrets")); strings.Contains(e.Message, "SELECT") {
		t.Fatalf("internal detail leaked: %q", e.Message)
	}
}

func TestWireShapes(t *testing.T) {
	at := messages.NewTime(time.Date(2026, 11, 27, 15, 4, 5, 123456789, time.FixedZone("x", 3600)))
	task := messages.Task{ID: "task-1", BoardID: "board-1", ListID: "list-todo", Title: "t", Version: 1, CreatedAt: at, UpdatedAt: at}
	task.Normalize()
	b, _ := json.Marshal(task)
	want := `{"id":"task-1","boardId":"board-1","listId":"list-todo","title":"t","description":null,"assigneeId":null,` +
		`"assigneeIds":[],"labelIds":[],"dueAt":null,"checklist":[],"commentCount":0,"archivedAt":null,` +
		`"position":0,"version":1,"createdAt":"2026-11-27T14:04:05.123Z","updatedAt":"2026-11-27T14:04:05.123Z"}`
	if string(b) != want {
		t.Fatalf("task JSON\n got %s\nwant %s", b, want)
	}
	enc, err := messages.Encode(messages.Event{Type: messages.TaskDeleted, BoardID: "board-1", Seq: 43, At: at, ActorID: "user-alice", TaskID: "task-1", ListID: "list-todo"})
	if err != nil {
		t.Fatal(err)
	}
	wantEvent := `{"type":"task_deleted","boardId":"board-1","seq":43,"at":"2026-11-27T14:04:05.123Z","actorId":"user-alice","taskId":"task-1","listId":"list-todo"}`
	if string(enc.JSON) != wantEvent {
		t.Fatalf("event JSON\n got %s\nwant %s", enc.JSON, wantEvent)
	}
	if frame := "id: 43\nevent: task_deleted\ndata: " + wantEvent + "\n\n"; string(enc.SSE) != frame {
		t.Fatalf("SSE frame\n got %q\nwant %q", enc.SSE, frame)
	}
}

func TestNullablePatch(t *testing.T) {
	tests := []struct {
		body      string
		set, null bool
	}{
		{`{}`, false, false},
		{`{"description":null}`, true, true},
		{`{"description":"d"}`, true, false},
	}
	for _, tt := range tests {
		var c messages.UpdateTask
		if err := json.Unmarshal([]byte(tt.body), &c); err != nil {
			t.Fatal(err)
		}
		if c.Description.Set != tt.set || (c.Description.Value == nil) != (tt.null || !tt.set) {
			t.Errorf("%s: got %+v", tt.body, c.Description)
		}
	}
}

func TestCreateTokenValidate(t *testing.T) {
	now := time.Date(2026, 11, 27, 15, 4, 5, 0, time.UTC)
	at := func(d time.Duration) *messages.Time { t := messages.NewTime(now.Add(d)); return &t }
	tests := []struct {
		name  string
		in    messages.CreateToken
		field string // "" when valid
	}{
		{"defaults", messages.CreateToken{Name: " ci "}, ""},
		{"read-write for a day", messages.CreateToken{Name: "ci", Scope: messages.ScopeReadWrite, ExpiresAt: at(24 * time.Hour)}, ""},
		{"no name", messages.CreateToken{Name: "  "}, "name"},
		{"long name", messages.CreateToken{Name: strings.Repeat("n", messages.MaxTokenName+1)}, "name"},
		{"unknown scope", messages.CreateToken{Name: "ci", Scope: "admin"}, "scope"},
		{"already expired", messages.CreateToken{Name: "ci", ExpiresAt: at(0)}, "expiresAt"},
		{"too far ahead", messages.CreateToken{Name: "ci", ExpiresAt: at(messages.MaxTokenLife + time.Hour)}, "expiresAt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.in
			err := c.Validate(now)
			if tt.field != "" {
				if e := messages.AsError(err); e.Code != messages.CodeValidation || e.Fields[tt.field] == "" {
					t.Fatalf("got %+v, want a validation error on %s", e, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want valid", err)
			}
			if c.Scope == "" || c.ExpiresAt == nil || strings.TrimSpace(c.Name) != c.Name {
				t.Fatalf("defaults not filled: %+v", c)
			}
		})
	}
	c := messages.CreateToken{Name: "ci"}
	if err := c.Validate(now); err != nil || c.Scope != messages.ScopeReadOnly || !c.ExpiresAt.Equal(now.Add(messages.DefaultTokenLife)) {
		t.Fatalf("defaults %+v, %v: want read-only for %s", c, err, messages.DefaultTokenLife)
	}
}
