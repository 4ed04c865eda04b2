package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// sessionCookie names the cookie holding the session token.
const sessionCookie = "session"

// auth lets h run only for a request with valid credentials: an "Authorization: Bearer" header,
// the session cookie, or for a WebSocket upgrade a ?token= (browsers cannot set headers on
// one). It puts the user in the request context (see userFrom); anything else answers 401. A
// cookie-authenticated state-changing request or WebSocket upgrade whose Origin is foreign
// answers 403, since a browser attaches cookies to cross-site requests.
func (s *Server) auth(h handlerFunc) http.Handler {
	return s.public(func(w http.ResponseWriter, r *http.Request) error {
		token, fromCookie, err := credentials(r)
		if err != nil {
			return err
		}
		user, err := s.cfg.Accounts.Authenticate(r.Context(), token)
		if err != nil {
			return err
		}
		if fromCookie && (!safeMethod(r.Method) || isWebSocketUpgrade(r)) && !s.originAllowed(r) {
			return messages.Errorf(messages.CodeForbidden, "cross-origin request refused")
		}
		st := stateFrom(r.Context())
		st.user, st.token, st.authn = user, token, true
		return h(w, r)
	})
}

// credentials returns the request's session token and whether it came from the cookie. The
// query token is accepted on WebSocket upgrades only, so that tokens stay out of ordinary URLs.
func credentials(r *http.Request) (token string, fromCookie bool, err error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return "", false, messages.Errorf(messages.CodeUnauthorized, "expected Authorization: Bearer <token>")
		}
		return token, false, nil
	}
	if isWebSocketUpgrade(r) {
		if token := r.URL.Query().Get("token"); token != "" {
			return token, false, nil
		}
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		return c.Value, true, nil
	}
	return "", false, messages.Errorf(messages.CodeUnauthorized, "authentication required")
}

func safeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// originAllowed reports whether a request's Origin, when it has one, is its own host or one of
// cfg.AllowedOrigins.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, allowed := range s.cfg.AllowedOrigins {
		if strings.EqualFold(strings.TrimSuffix(allowed, "/"), origin) {
			return true
		}
	}
	return false
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// login answers POST /auth/login: 200 Session and the session cookie, or 401 with the same body
// for an unknown email and a wrong password.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	sess, err := s.cfg.Accounts.Login(r.Context(), req.Email, req.Password)
	if messages.ErrorCode(err) == messages.CodeUnauthorized {
		return messages.Errorf(messages.CodeUnauthorized, "wrong email or password")
	}
	if err != nil {
		return err
	}
	s.setSession(w, r, sess)
	writeJSON(w, http.StatusOK, sess)
	return nil
}

type registerRequest struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

// register answers POST /auth/register: 201 Session (token, user, expiresAt) and the session
// cookie. With signup switched off it answers 404 not_found, exactly like an unknown route, so
// that the endpoint's existence is not advertised.
func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.AllowSignup {
		return messages.Errorf(messages.CodeNotFound, "no such endpoint")
	}
	var req registerRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	// Accounts validates the email, name and password and answers a taken email with conflict.
	sess, err := s.cfg.Accounts.Register(r.Context(), req.Email, req.Name, req.Password)
	if err != nil {
		return err
	}
	s.setSession(w, r, sess)
	writeJSON(w, http.StatusCreated, sess)
	return nil
}

// logout answers POST /auth/logout: it ends the session of the token this request used (other
// sessions of the user stay) and clears the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.cfg.Accounts.Logout(r.Context(), stateFrom(r.Context()).token); err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, "", time.Unix(0, 0)))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// me answers GET /me with the authenticated user.
func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	user, _ := userFrom(r.Context())
	writeJSON(w, http.StatusOK, user)
	return nil
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, sess messages.Session) {
	http.SetCookie(w, s.cookie(r, sess.Token, sess.ExpiresAt.Time))
}

// cookie returns the session cookie: HttpOnly, SameSite=Lax, and Secure on TLS requests or
// with cfg.SecureCookies. An empty value with a past expiry clears it.
func (s *Server) cookie(r *http.Request, token string, expires time.Time) *http.Cookie {
	c := &http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		Expires:  expires,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   r.TLS != nil || s.cfg.SecureCookies,
	}
	if token == "" {
		c.MaxAge = -1
	}
	return c
}
