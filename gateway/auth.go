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
// one). It puts the principal in the request context (see userFrom and principalFrom);
// anything else answers 401. It is also where the two request-wide rules are enforced,
// whatever the endpoint:
//   - a cookie-authenticated state-changing request or WebSocket upgrade whose Origin is
//     foreign answers 403, since a browser attaches cookies to cross-site requests;
//   - a read-only API token may only read: any other method answers 403 (see mayWrite).
func (s *Server) auth(h handlerFunc) http.Handler {
	return s.public(func(w http.ResponseWriter, r *http.Request) error {
		token, fromCookie, err := credentials(r)
		if err != nil {
			return err
		}
		p, err := s.cfg.Accounts.Authenticate(r.Context(), token)
		if err != nil {
			return err
		}
		if fromCookie && (!safeMethod(r.Method) || isUpgrade(r)) && !s.originAllowed(r) {
			return errForeignOrigin()
		}
		if !safeMethod(r.Method) && !endsItself(r) {
			if err := mayWrite(p); err != nil {
				return err
			}
		}
		if err := checkPathIDs(r); err != nil {
			return err
		}
		st := stateFrom(r.Context())
		st.user, st.token, st.principal, st.authn = p.User, token, p, true
		return h(w, r)
	})
}

// mayWrite is the one rule of API token scopes: a read-only credential may not change
// anything. REST applies it to every request but GET, HEAD and OPTIONS, in auth; a transport
// that carries changes inside a connection (WebSocket messages) applies it to each change.
func mayWrite(p messages.Principal) error {
	if p.ReadOnly {
		return messages.Errorf(messages.CodeForbidden, "this API token is read-only")
	}
	return nil
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
	if isWebSocketUpgrade(r) && (r.URL.Path == "/ws" || r.URL.Path == "/") {
		// Browsers cannot set headers on a WebSocket: the token may come in the URL there, and
		// nowhere else, where it would end up in logs and histories for nothing.
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

// isUpgrade reports whether r asks to switch protocols (a WebSocket handshake).
func isUpgrade(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" || strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
}

func errForeignOrigin() error {
	return messages.Errorf(messages.CodeForbidden, "cross-origin request refused")
}

// originAllowed reports whether a request's Origin, when it has one, is its own (same scheme
// and host: https when the request came over TLS, or through a TLS proxy as SecureCookies
// says) or one of cfg.AllowedOrigins. The opaque origin "null" is foreign.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	scheme := "http"
	if r.TLS != nil || s.cfg.SecureCookies {
		scheme = "https"
	}
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host) && u.Scheme == scheme {
		return true
	}
	for _, allowed := range s.cfg.AllowedOrigins {
		if strings.EqualFold(allowed, origin) {
			return true
		}
	}
	return false
}

// NormalizeOrigin checks that o is an origin (scheme://host[:port], nothing after it) and
// returns it without a trailing slash, in lower case.
func NormalizeOrigin(o string) (string, error) {
	trimmed := strings.TrimSuffix(strings.TrimSpace(o), "/")
	u, err := url.Parse(trimmed)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", messages.Errorf(messages.CodeValidation, "%q is not an origin such as https://app.example.com", o)
	}
	return strings.ToLower(trimmed), nil
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// login answers POST /auth/login: 200 Session and the session cookie, or 401 with the same body
// for an unknown email and a wrong password. Attempts are rate-limited per client address and
// per email (429 with Retry-After); a foreign Origin is refused, so that no other site can log
// a browser into an account of its choosing.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if !s.originAllowed(r) {
		return errForeignOrigin()
	}
	var req loginRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.logins.allow(w, r, req.Email); err != nil {
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
	noStore(w)
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
// that the endpoint's existence is not advertised. A foreign Origin is refused, and attempts are
// rate-limited, as for login.
func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.AllowSignup {
		return messages.Errorf(messages.CodeNotFound, "no such endpoint")
	}
	if !s.originAllowed(r) {
		return errForeignOrigin()
	}
	var req registerRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.logins.allow(w, r, req.Email); err != nil { // each costs a password hash
		return err
	}
	// Accounts validates the email, name and password and answers a taken email with conflict.
	sess, err := s.cfg.Accounts.Register(r.Context(), req.Email, req.Name, req.Password)
	if err != nil {
		return err
	}
	s.setSession(w, r, sess)
	noStore(w)
	writeJSON(w, http.StatusCreated, sess)
	return nil
}

// logout answers POST /auth/logout: it ends the session (or revokes the API token) this
// request used, ends the streams and long polls opened with it, and clears the cookie. Other
// sessions of the user stay.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	st := stateFrom(r.Context())
	// A logout the store could not write still ends the session (Accounts.Logout refuses it
	// from now on): its streams end and its cookie goes, whatever the answer.
	err := s.cfg.Accounts.Logout(r.Context(), st.token)
	s.live.revokeCredential(st.principal.CredentialID)
	http.SetCookie(w, s.cookie(r, "", time.Unix(0, 0)))
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// me answers GET /me with the authenticated user.
func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	user, _ := userFrom(r.Context())
	writeJSON(w, http.StatusOK, user)
	return nil
}

// changePassword answers POST /me/password {currentPassword, newPassword}: 204. It needs a
// login session (an API token cannot change the password) and is rate-limited like a login.
// Every other session of the user ends, with its streams; API tokens stay.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	if err := needSession(p); err != nil {
		return err
	}
	var req messages.ChangePassword
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.logins.allow(w, r, p.User.Email); err != nil {
		return err
	}
	if err := s.cfg.Accounts.ChangePassword(r.Context(), p.User.ID, p.CredentialID, req.CurrentPassword, req.NewPassword); err != nil {
		return err
	}
	s.live.revokeSessions(p.User.ID, p.CredentialID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// needSession refuses a request made with an API token: managing credentials takes a login,
// so that a leaked token cannot outlive itself by minting others or lock its owner out.
func needSession(p messages.Principal) error {
	if p.Kind != messages.CredentialSession {
		return messages.Errorf(messages.CodeForbidden, "this needs a login session, not an API token")
	}
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

// pathIDs are the route wildcards that name a resource.
var pathIDs = [...]string{"boardId", "listId", "taskId", "userId", "tokenId"}

// checkPathIDs answers not_found for a path whose id could name nothing (a control character,
// a space, an absurd length), before it reaches a board or the store.
func checkPathIDs(r *http.Request) error {
	for _, name := range pathIDs {
		if v := r.PathValue(name); v != "" && !messages.ValidID(v) {
			return messages.NotFound(strings.TrimSuffix(name, "Id"))
		}
	}
	return nil
}

// endsItself reports a request that only ends the credential it carries (logout), which a
// read-only token may do: being able to revoke a leaked token is not a write to anything else.
func endsItself(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/auth/logout"
}
