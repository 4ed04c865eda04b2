package gateway

import (
	"net/http"

	"github.com/taskboard/taskboard/messages"
)

// listBoards answers GET /boards?limit=&after=: {data:[Board], next}, a page of the caller's
// boards with their role, oldest first; next is the after of the next page, or null.
func (s *Server) listBoards(w http.ResponseWriter, r *http.Request) error {
	c := messages.ListBoards{Meta: readMeta(r), After: r.URL.Query().Get("after")}
	if c.After != "" && !messages.ValidID(c.After) {
		return messages.Errorf(messages.CodeValidation, "after must be a board id").Field("after", "format")
	}
	var err error
	if c.Limit, err = pageLimit(r); err != nil {
		return err
	}
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return err
	}
	writePage(w, res.Boards, res.Next)
	return nil
}

// createBoard answers POST /boards {name}: 201 Board, owned by the caller, with its first lists.
func (s *Server) createBoard(w http.ResponseWriter, r *http.Request) error {
	var c messages.CreateBoard
	if err := s.decodeCommand(w, r, &c, &c.Meta); err != nil {
		return err
	}
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return err
	}
	return writeCreated(w, res.Board, "board", func(b *messages.Board) string { return "/boards/" + b.ID })
}

// getBoard answers GET /boards/{boardId}: the board's Snapshot {board, lists, tasks, seq}.
func (s *Server) getBoard(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.snapshot(r)
	if err != nil {
		return err
	}
	writeTasks(w, struct {
		Board  messages.Board   `json:"board"`
		Lists  []messages.List  `json:"lists"`
		Labels []messages.Label `json:"labels"`
	}{snap.Board, snap.Lists, nonNil(snap.Labels)}, snap.Tasks, snap.Seq)
	return nil
}

// boardTasks answers GET /boards/{boardId}/tasks?q=&label=&assignee=&due=&archived=:
// {data:[Task], seq}, ordered by list position, then task position (the best matches first
// with q, the newest archived first with archived=true).
func (s *Server) boardTasks(w http.ResponseWriter, r *http.Request) error {
	f, err := taskFilter(r)
	if err != nil {
		return err
	}
	if f == (messages.TaskFilter{}) {
		snap, err := s.snapshot(r)
		if err != nil {
			return err
		}
		writeTasks(w, struct{}{}, snap.Tasks, snap.Seq)
		return nil
	}
	res, err := s.cfg.Boards.Do(r.Context(), messages.ListTasks{Meta: readMeta(r), BoardID: r.PathValue("boardId"), Filter: f})
	if err != nil {
		return err
	}
	writeTasks(w, struct{}{}, res.Tasks, res.Seq)
	return nil
}

// snapshot asks the board of r's path for its snapshot, with lists and tasks in protocol order
// and never null.
func (s *Server) snapshot(r *http.Request) (messages.Snapshot, error) {
	c := messages.GetSnapshot{Meta: readMeta(r), BoardID: r.PathValue("boardId")}
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return messages.Snapshot{}, err
	}
	if res.Snapshot == nil {
		return messages.Snapshot{}, missing("snapshot")
	}
	// The board answers lists and tasks in protocol order already.
	snap := *res.Snapshot
	snap.Lists, snap.Tasks = nonNil(snap.Lists), nonNil(snap.Tasks)
	return snap, nil
}

// updateBoard answers PATCH /boards/{boardId} {name}: 200 Board. Owners only.
func (s *Server) updateBoard(w http.ResponseWriter, r *http.Request) error {
	var c messages.UpdateBoard
	if err := s.decodeCommand(w, r, &c, &c.Meta); err != nil {
		return err
	}
	c.BoardID = r.PathValue("boardId")
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return err
	}
	return writeResource(w, http.StatusOK, res.Board, "board")
}

// deleteBoard answers DELETE /boards/{boardId}: 204. Owners only.
func (s *Server) deleteBoard(w http.ResponseWriter, r *http.Request) error {
	m, err := meta(r, "")
	if err != nil {
		return err
	}
	if _, err := s.cfg.Boards.Do(r.Context(), messages.DeleteBoard{Meta: m, BoardID: r.PathValue("boardId")}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// nonNil returns s, or an empty slice for nil so that it encodes as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
