package gateway

import (
	"net/http"
	"net/url"

	"github.com/taskboard/taskboard/messages"
)

// listMembers answers GET /boards/{boardId}/members: {data:[Member]}, owners first, then
// editors, then viewers, each by name.
func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) error {
	res, err := s.cfg.Boards.Do(r.Context(), messages.ListMembers{Meta: readMeta(r), BoardID: r.PathValue("boardId")})
	if err != nil {
		return err
	}
	writeData(w, res.Members)
	return nil
}

// addMember answers POST /boards/{boardId}/members {userId|email, role}: 201 Member. Owners
// only; an unknown user is a validation error on the field that named it, a member already
// there a conflict.
func (s *Server) addMember(w http.ResponseWriter, r *http.Request) error {
	var c messages.AddMember
	if err := s.decodeCommand(w, r, &c, &c.Meta); err != nil {
		return err
	}
	c.BoardID = r.PathValue("boardId")
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return err
	}
	return writeCreated(w, res.Member, "member", func(m *messages.Member) string {
		return "/boards/" + url.PathEscape(c.BoardID) + "/members/" + url.PathEscape(m.UserID)
	})
}

// updateMember answers PATCH /boards/{boardId}/members/{userId} {role}: 200 Member. Owners
// only; demoting the last owner is a conflict.
func (s *Server) updateMember(w http.ResponseWriter, r *http.Request) error {
	var c messages.UpdateMember
	if err := s.decodeCommand(w, r, &c, &c.Meta); err != nil {
		return err
	}
	c.BoardID, c.UserID = r.PathValue("boardId"), r.PathValue("userId")
	res, err := s.cfg.Boards.Do(r.Context(), c)
	if err != nil {
		return err
	}
	return writeResource(w, http.StatusOK, res.Member, "member")
}

// removeMember answers DELETE /boards/{boardId}/members/{userId}: 204. Owners remove anyone;
// any member may remove themselves (leave). The last owner cannot go (conflict). The removed
// user's streams and long polls on the board end at once.
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) error {
	m, err := meta(r, "")
	if err != nil {
		return err
	}
	c := messages.RemoveMember{Meta: m, BoardID: r.PathValue("boardId"), UserID: r.PathValue("userId")}
	if _, err := s.cfg.Boards.Do(r.Context(), c); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
