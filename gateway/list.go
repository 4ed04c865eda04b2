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
	res, err := s.mutate(r, c.Meta, func() (messages.Command, error) {
		var err error
		c.BoardID, err = s.boardOfList(r)
		return c, err
	})
	if err != nil {
		return listNotFound(err)
	}
	return writeResource(w, http.StatusOK, res.List, "list")
}

// deleteList answers DELETE /lists/{listId}: 204; the list's tasks go too.
func (s *Server) deleteList(w http.ResponseWriter, r *http.Request) error {
	m, err := meta(r, "")
	if err != nil {
		return err
	}
	c := messages.DeleteList{Meta: m, ListID: r.PathValue("listId")}
	_, err = s.mutate(r, c.Meta, func() (messages.Command, error) {
		var err error
		c.BoardID, err = s.boardOfList(r)
		return c, err
	})
	if err != nil {
		return listNotFound(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// getList answers GET /lists/{listId}: 200 List, the resource a created list's Location names.
func (s *Server) getList(w http.ResponseWriter, r *http.Request) error {
	c := messages.GetList{Meta: readMeta(r), ListID: r.PathValue("listId")}
	var err error
	if c.BoardID, err = s.boardOfList(r); err != nil {
		return err
	}
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return listNotFound(err)
	}
	return writeResource(w, http.StatusOK, res.List, "list")
}

// boardOfList finds the board of the list in r's path.
func (s *Server) boardOfList(r *http.Request) (string, error) {
	id, err := s.cfg.Boards.BoardOfList(r.Context(), r.PathValue("listId"))
	return id, listNotFound(err)
}

// listNotFound makes every not_found on a /lists/{listId} route the same "list not found", so
// that a list on a board the caller is not a member of looks like no list at all.
func listNotFound(err error) error {
	if messages.ErrorCode(err) == messages.CodeNotFound {
		return messages.NotFound("list")
	}
	return err
}
