package gateway

import (
	"net/http"

	"github.com/taskboard/taskboard/messages"
)

// listTokens answers GET /me/tokens: {data:[APIToken]}, the caller's live API tokens without
// their secrets.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	user, _ := userFrom(r.Context())
	tokens, err := s.cfg.Accounts.Tokens(r.Context(), user.ID)
	if err != nil {
		return err
	}
	writeData(w, tokens)
	return nil
}

// createToken answers POST /me/tokens {name, scope?, expiresAt?}: 201 {token, id, name, scope,
// createdAt, expiresAt}; the secret token is shown this once. It needs a login session.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	if err := needSession(p); err != nil {
		return err
	}
	var c messages.CreateToken
	if err := s.decodeJSON(w, r, &c); err != nil {
		return err
	}
	tok, err := s.cfg.Accounts.CreateToken(r.Context(), p.User.ID, c)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/me/tokens/"+tok.ID)
	noStore(w)
	writeJSON(w, http.StatusCreated, tok)
	return nil
}

// revokeToken answers DELETE /me/tokens/{tokenId}: 204, and the streams and long polls opened
// with the token end at once. Another user's token is not found.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	user, _ := userFrom(r.Context())
	id := r.PathValue("tokenId")
	if err := s.cfg.Accounts.RevokeToken(r.Context(), user.ID, id); err != nil {
		return err
	}
	s.live.revokeCredential(id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
