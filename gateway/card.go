package gateway

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/taskboard/taskboard/messages"
)

// What a card holds besides its title: labels, checklist items, comments, archiving, and the
// reads that find tasks and their history. Every change goes to the board as a command, as
// task.go's do.

// listLabels answers GET /boards/{boardId}/labels: {data:[Label]}, in the order they were made.
func (s *Server) listLabels(w http.ResponseWriter, r *http.Request) error {
	res, err := s.cfg.Boards.Do(r.Context(), messages.ListLabels{Meta: readMeta(r), BoardID: r.PathValue("boardId")})
	if err != nil {
		return err
	}
	writeData(w, res.Labels)
	return nil
}

// createLabel answers POST /boards/{boardId}/labels {name, color}: 201 Label.
func (s *Server) createLabel(w http.ResponseWriter, r *http.Request) error {
	var c messages.CreateLabel
	if err := s.decodeCommand(w, r, &c, &c.Meta); err != nil {
		return err
	}
	c.BoardID = r.PathValue("boardId")
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return err
	}
	return writeCreated(w, res.Label, "label", func(l *messages.Label) string { return "/labels/" + url.PathEscape(l.ID) })
}

// updateLabel answers PATCH /labels/{labelId} {name?, color?}: 200 Label.
func (s *Server) updateLabel(w http.ResponseWriter, r *http.Request) error {
	var c messages.UpdateLabel
	if err := s.decodeCommand(w, r, &c, &c.Meta); err != nil {
		return err
	}
	c.LabelID = r.PathValue("labelId")
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return notFoundAs("label", err)
	}
	return writeResource(w, http.StatusOK, res.Label, "label")
}

// deleteLabel answers DELETE /labels/{labelId}: 204; the label leaves every task in the same
// change.
func (s *Server) deleteLabel(w http.ResponseWriter, r *http.Request) error {
	m, err := meta(r, "")
	if err != nil {
		return err
	}
	return s.noContent(w, r, "label", messages.DeleteLabel{Meta: m, LabelID: r.PathValue("labelId")})
}

// addChecklistItem answers POST /tasks/{taskId}/checklist {text, position?}: 201
// ChecklistItem. If-Match works as for a task.
func (s *Server) addChecklistItem(w http.ResponseWriter, r *http.Request) error {
	var c messages.AddChecklistItem
	if err := s.decodeTaskChange(w, r, &c, &c.Meta, &c.TaskID, &c.IfMatch); err != nil {
		return err
	}
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return taskNotFound(err)
	}
	if res.Item == nil {
		return missing("checklist item")
	}
	w.Header().Set("Location", "/checklist/"+url.PathEscape(res.Item.ID))
	if res.Task != nil {
		w.Header().Set("ETag", `"`+strconv.Itoa(res.Task.Version)+`"`)
	}
	writeJSON(w, http.StatusCreated, res.Item)
	return nil
}

// updateChecklistItem answers PATCH /checklist/{itemId} {text?, done?, position?}: 200
// ChecklistItem, with its task's version as the ETag. If-Match names the task's version.
func (s *Server) updateChecklistItem(w http.ResponseWriter, r *http.Request) error {
	var c messages.UpdateChecklistItem
	if err := s.decodeCommand(w, r, &c, &c.Meta); err != nil {
		return err
	}
	c.ItemID = r.PathValue("itemId")
	var err error
	if c.IfMatch, err = ifMatch(r); err != nil {
		return err
	}
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return notFoundAs("checklist item", err)
	}
	if res.Task != nil {
		w.Header().Set("ETag", `"`+strconv.Itoa(res.Task.Version)+`"`)
	}
	return writeResource(w, http.StatusOK, res.Item, "checklist item")
}

// deleteChecklistItem answers DELETE /checklist/{itemId}: 204.
func (s *Server) deleteChecklistItem(w http.ResponseWriter, r *http.Request) error {
	m, err := meta(r, "")
	if err != nil {
		return err
	}
	c := messages.DeleteChecklistItem{Meta: m, ItemID: r.PathValue("itemId")}
	if c.IfMatch, err = ifMatch(r); err != nil {
		return err
	}
	return s.noContent(w, r, "checklist item", c)
}

// archiveTask answers POST /tasks/{taskId}/archive: 200 Task. If-Match works as for a task.
func (s *Server) archiveTask(w http.ResponseWriter, r *http.Request) error {
	m, err := meta(r, "")
	if err != nil {
		return err
	}
	c := messages.ArchiveTask{Meta: m, TaskID: r.PathValue("taskId")}
	if c.IfMatch, err = ifMatch(r); err != nil {
		return err
	}
	return s.answerTask(w, r, c)
}

// restoreTask answers POST /tasks/{taskId}/restore {listId?, position?}: 200 Task. The body
// may be empty: the task goes back to the end of the list it left.
func (s *Server) restoreTask(w http.ResponseWriter, r *http.Request) error {
	var c messages.RestoreTask
	if r.ContentLength != 0 {
		if err := s.decodeJSON(w, r, &c); err != nil {
			return err
		}
	}
	m, err := meta(r, c.MutationID)
	if err != nil {
		return err
	}
	c.Meta, c.TaskID = m, r.PathValue("taskId")
	if c.IfMatch, err = ifMatch(r); err != nil {
		return err
	}
	return s.answerTask(w, r, c)
}

// listComments answers GET /tasks/{taskId}/comments?before=&limit=: {data:[Comment], next},
// the newest page first, oldest first within it; next is the before of the older page, or
// null.
func (s *Server) listComments(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	c := messages.ListComments{Meta: readMeta(r), TaskID: r.PathValue("taskId"), Before: q.Get("before")}
	if c.Before != "" && !messages.ValidID(c.Before) {
		return messages.Errorf(messages.CodeValidation, "before must be a comment id").Field("before", "format")
	}
	var err error
	if c.Limit, err = pageLimit(r); err != nil {
		return err
	}
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return taskNotFound(err)
	}
	writePage(w, res.Comments, res.Next)
	return nil
}

// addComment answers POST /tasks/{taskId}/comments {body}: 201 Comment.
func (s *Server) addComment(w http.ResponseWriter, r *http.Request) error {
	var c messages.AddComment
	if err := s.decodeCommand(w, r, &c, &c.Meta); err != nil {
		return err
	}
	c.TaskID = r.PathValue("taskId")
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return taskNotFound(err)
	}
	return writeCreated(w, res.Comment, "comment", func(cm *messages.Comment) string { return "/comments/" + url.PathEscape(cm.ID) })
}

// updateComment answers PATCH /comments/{commentId} {body}: 200 Comment; its author only.
func (s *Server) updateComment(w http.ResponseWriter, r *http.Request) error {
	var c messages.UpdateComment
	if err := s.decodeCommand(w, r, &c, &c.Meta); err != nil {
		return err
	}
	c.CommentID = r.PathValue("commentId")
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return notFoundAs("comment", err)
	}
	return writeResource(w, http.StatusOK, res.Comment, "comment")
}

// deleteComment answers DELETE /comments/{commentId}: 204; its author or a board owner.
func (s *Server) deleteComment(w http.ResponseWriter, r *http.Request) error {
	m, err := meta(r, "")
	if err != nil {
		return err
	}
	return s.noContent(w, r, "comment", messages.DeleteComment{Meta: m, CommentID: r.PathValue("commentId")})
}

// search answers GET /search?q=&label=&assignee=&due=&archived=&limit=: {data:[{task, board}]},
// best matches first, across the caller's boards.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	f, err := taskFilter(r)
	if err != nil {
		return err
	}
	c := messages.Search{Meta: readMeta(r), Filter: f}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > messages.MaxSearch {
			return messages.Errorf(messages.CodeValidation, "limit must be 1 to %d", messages.MaxSearch).Field("limit", "range")
		}
		c.Limit = n
	}
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return err
	}
	writeData(w, res.Hits)
	return nil
}

// taskFilter reads the filters of GET …/tasks and /search; assignee=me is the caller.
func taskFilter(r *http.Request) (messages.TaskFilter, error) {
	q := r.URL.Query()
	f := messages.TaskFilter{Q: q.Get("q"), Label: q.Get("label"), Assignee: q.Get("assignee"), Due: q.Get("due")}
	if f.Assignee == "me" {
		f.Assignee = readMeta(r).UserID
	}
	switch q.Get("archived") {
	case "", "false":
	case "true":
		f.Archived = true
	default:
		return f, messages.Errorf(messages.CodeValidation, "archived must be true or false").Field("archived", "format")
	}
	return f, f.Validate()
}

// boardActivity answers GET /boards/{boardId}/activity?before=&limit=: {data:[event], next},
// newest first; next is the before of the next page, or null.
func (s *Server) boardActivity(w http.ResponseWriter, r *http.Request) error {
	return s.activity(w, r, messages.GetActivity{Meta: readMeta(r), BoardID: r.PathValue("boardId")})
}

// taskActivity answers GET /tasks/{taskId}/activity?before=&limit=: the events about the task,
// as boardActivity.
func (s *Server) taskActivity(w http.ResponseWriter, r *http.Request) error {
	err := s.activity(w, r, messages.GetActivity{Meta: readMeta(r), TaskID: r.PathValue("taskId")})
	return taskNotFound(err)
}

func (s *Server) activity(w http.ResponseWriter, r *http.Request, c messages.GetActivity) error {
	if v := r.URL.Query().Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return messages.Errorf(messages.CodeValidation, "before must be an event seq").Field("before", "format")
		}
		c.Before = n
	}
	var err error
	if c.Limit, err = pageLimit(r); err != nil {
		return err
	}
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return err
	}
	if res.Activity == nil {
		return missing("activity")
	}
	writePage(w, res.Activity.Events, res.Activity.Next)
	return nil
}

// pageLimit reads ?limit=: 0 when absent, the board's default.
func pageLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > messages.MaxPage {
		return 0, messages.Errorf(messages.CodeValidation, "limit must be 1 to %d", messages.MaxPage).Field("limit", "range")
	}
	return n, nil
}

// noContent runs a deletion and answers 204; not_found names what the path named.
func (s *Server) noContent(w http.ResponseWriter, r *http.Request, what string, c messages.Command) error {
	if _, err := s.cfg.Boards.Do(r.Context(), c); err != nil {
		return notFoundAs(what, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// notFoundAs makes every not_found on a route the same "what not found", so that something
// on a board the caller is not a member of looks like nothing at all.
func notFoundAs(what string, err error) error {
	if messages.ErrorCode(err) == messages.CodeNotFound {
		return messages.NotFound(what)
	}
	return err
}
