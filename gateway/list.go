package gateway

import (
	"net/http"

	"github.com/taskboard/taskboard/messages"
)

// createList answers POST /boards/{boardId}/lists {name, position?}: 201 List with Location.
func (s *Server) createList(w http.ResponseWriter, r *http.Request) error {
	var c messages.CreateList
	if err := s.decodeCommand(w, r, &c, &c.Meta); err != nil {
		return err
	}
	c.BoardID = r.PathValue("boardId")
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return err
	}
	return writeCreated(w, res.List, "list", func(l *messages.List) string { return "/lists/" + l.ID })
}

// updateList answers PATCH /lists/{listId} {name?, position?}: 200 List.
func (s *Server) updateList(w http.ResponseWriter, r *http.Request) error {
	var c messages.UpdateList
	if err := s.decodeCommand(w, r, &c, &c.Meta); err != nil {
		return err
	}
	c.ListID = r.PathValue("listId")
	return s.answerList(w, r, c)
}

// deleteList answers DELETE /lists/{listId}: 204; the list's tasks go too.
func (s *Server) deleteList(w http.ResponseWriter, r *http.Request) error {
	m, err := meta(r, "")
	if err != nil {
		return err
	}
	if _, err = s.cfg.Boards.Do(r.Context(), messages.DeleteList{Meta: m, ListID: r.PathValue("listId")}); err != nil {
		return listNotFound(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// getList answers GET /lists/{listId}: 200 List, the resource a created list's Location names.
func (s *Server) getList(w http.ResponseWriter, r *http.Request) error {
	return s.answerList(w, r, messages.GetList{Meta: readMeta(r), ListID: r.PathValue("listId")})
}

// answerList runs c and answers 200 with the list it returns.
func (s *Server) answerList(w http.ResponseWriter, r *http.Request, c messages.Command) error {
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return listNotFound(err)
	}
	return writeResource(w, http.StatusOK, res.List, "list")
}

// listNotFound makes every not_found on a /lists/{listId} route the same "list not found", so
// that a list on a board the caller is not a member of looks like no list at all.
func listNotFound(err error) error {
	if messages.ErrorCode(err) == messages.CodeNotFound {
		return messages.NotFound("list")
	}
	return err
}
