package gateway

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/taskboard/taskboard/messages"
)

// createTask answers POST /tasks {listId, title, description?, assigneeId?, position?}: 201
// Task with Location and ETag. The board is the list's; a listId that names no list the caller
// can see is a validation error on listId, since it is body input.
func (s *Server) createTask(w http.ResponseWriter, r *http.Request) error {
	var c messages.CreateTask
	if err := s.decodeCommand(w, r, &c, &c.Meta); err != nil {
		return err
	}
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return unknownList(err)
	}
	if res.Task == nil {
		return missing("task")
	}
	w.Header().Set("Location", "/tasks/"+res.Task.ID)
	writeTask(w, http.StatusCreated, *res.Task)
	return nil
}

// getTask answers GET /tasks/{taskId}: 200 Task with ETag.
func (s *Server) getTask(w http.ResponseWriter, r *http.Request) error {
	return s.answerTask(w, r, messages.GetTask{Meta: readMeta(r), TaskID: r.PathValue("taskId")})
}

// updateTask answers PATCH /tasks/{taskId} {title?, description?, assigneeId?}: 200 Task. An
// If-Match version that is no longer current answers 412 with the current task.
func (s *Server) updateTask(w http.ResponseWriter, r *http.Request) error {
	var c messages.UpdateTask
	if err := s.decodeTaskChange(w, r, &c, &c.Meta, &c.TaskID, &c.IfMatch); err != nil {
		return err
	}
	return s.answerTask(w, r, c)
}

// moveTask answers PATCH /tasks/{taskId}/move {listId, position}: 200 Task. Positions of both
// lists are renumbered by the board. If-Match works as for updateTask.
func (s *Server) moveTask(w http.ResponseWriter, r *http.Request) error {
	var c messages.MoveTask
	if err := s.decodeTaskChange(w, r, &c, &c.Meta, &c.TaskID, &c.IfMatch); err != nil {
		return err
	}
	return s.answerTask(w, r, c)
}

// decodeTaskChange decodes a PATCH of the task in r's path into cmd and fills what comes from
// the request rather than its body: the task id and If-Match.
func (s *Server) decodeTaskChange(w http.ResponseWriter, r *http.Request, cmd any, m *messages.Meta, taskID *string, version **int) error {
	if err := s.decodeCommand(w, r, cmd, m); err != nil {
		return err
	}
	*taskID = r.PathValue("taskId")
	var err error
	*version, err = ifMatch(r)
	return err
}

// deleteTask answers DELETE /tasks/{taskId}: 204. If-Match works as for updateTask.
func (s *Server) deleteTask(w http.ResponseWriter, r *http.Request) error {
	m, err := meta(r, "")
	if err != nil {
		return err
	}
	c := messages.DeleteTask{Meta: m, TaskID: r.PathValue("taskId")}
	if c.IfMatch, err = ifMatch(r); err != nil {
		return err
	}
	if _, err = s.cfg.Boards.Do(r.Context(), c); err != nil {
		return taskNotFound(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// answerTask runs c and answers 200 with the task it returns.
func (s *Server) answerTask(w http.ResponseWriter, r *http.Request, c messages.Command) error {
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return taskNotFound(err)
	}
	if res.Task == nil {
		return missing("task")
	}
	writeTask(w, http.StatusOK, *res.Task)
	return nil
}

// writeTask answers a task with its version as a strong ETag.
func writeTask(w http.ResponseWriter, status int, t messages.Task) {
	w.Header().Set("ETag", `"`+strconv.Itoa(t.Version)+`"`)
	writeJSON(w, status, t)
}

// taskNotFound makes every not_found on a /tasks/{taskId} route the same "task not found", so
// that a task on a board the caller is not a member of looks like no task at all.
func taskNotFound(err error) error {
	if messages.ErrorCode(err) == messages.CodeNotFound {
		return messages.NotFound("task")
	}
	return err
}

// unknownList turns a not_found for POST /tasks's body listId into a validation error on it.
func unknownList(err error) error {
	if messages.ErrorCode(err) == messages.CodeNotFound {
		return messages.Errorf(messages.CodeValidation, "listId names no list you can see").Field("listId", "not_found")
	}
	return err
}

// ifMatch parses an If-Match header: a version, quoted or bare, with W/ tolerated. Absent or
// "*" means no precondition; anything else malformed is a validation error.
func ifMatch(r *http.Request) (*int, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return nil, nil
	}
	v := strings.TrimPrefix(h, "W/")
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || strings.TrimLeft(v, "0123456789") != "" {
		return nil, messages.Errorf(messages.CodeValidation, `If-Match must be a task version such as "3"`).Field("If-Match", "format")
	}
	return &n, nil
}
