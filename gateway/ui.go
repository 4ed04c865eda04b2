package gateway

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// uiFile is one file of the UI, loaded once, with its gzipped form when that is smaller.
type uiFile struct {
	body, gz []byte
	ctype    string
	etag     string
	cache    string
}

// ui serves the browser UI: index.html for the page routes and the files of its build.
type ui struct {
	index *uiFile
	files map[string]*uiFile // by URL path: "/assets/index-abc.js", "/favicon.svg"
}

// newUI loads every file of fsys into memory; the build is small and never changes while the
// server runs.
func newUI(fsys fs.FS) (*ui, error) {
	u := &ui{files: map[string]*uiFile{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		f := loadFile(name, body)
		if name == "index.html" {
			u.index = f
			return nil
		}
		u.files["/"+name] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load UI: %w", err)
	}
	if u.index == nil {
		return nil, fmt.Errorf("load UI: no index.html")
	}
	return u, nil
}

func loadFile(name string, body []byte) *uiFile {
	sum := sha256.Sum256(body)
	f := &uiFile{
		body:  body,
		ctype: mime.TypeByExtension(path.Ext(name)),
		etag:  `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
		cache: "public, max-age=3600",
	}
	if f.ctype == "" {
		f.ctype = "application/octet-stream"
	}
	switch {
	case name == "index.html":
		f.cache = "no-cache"
	case strings.HasPrefix(name, "assets/"):
		// Vite names assets by content hash: a new build has new names.
		f.cache = "public, max-age=31536000, immutable"
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	if buf.Len() < len(body) {
		f.gz = buf.Bytes()
	}
	return f
}

// withUI serves the UI, when the server has one, for GET and HEAD requests that are not
// WebSocket upgrades: the pages "/", "/settings" and "/b/{boardId}" get index.html, and the build's own
// files are served by name. Every other request goes to next, so no API route is shadowed.
func (s *Server) withUI(next http.Handler) http.Handler {
	if s.ui == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !isUpgrade(r) {
			if isPage(r.URL.Path) {
				s.ui.serve(w, r, s.ui.index, true)
				return
			}
			if f, ok := s.ui.files[r.URL.Path]; ok {
				s.ui.serve(w, r, f, false)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// isPage reports whether p is a page of the UI: "/", "/settings" or "/b/{boardId}".
func isPage(p string) bool {
	if p == "/" || p == "/settings" {
		return true
	}
	id, ok := strings.CutPrefix(p, "/b/")
	id = strings.TrimSuffix(id, "/")
	return ok && id != "" && !strings.Contains(id, "/")
}

// contentSecurityPolicy lets the page load only its own scripts and styles and talk only to
// its own server.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; connect-src 'self' %s; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

func (u *ui) serve(w http.ResponseWriter, r *http.Request, f *uiFile, page bool) {
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", f.cache)
	h.Set("ETag", f.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Accept-Encoding")
	if page {
		h.Set("Content-Security-Policy", fmt.Sprintf(contentSecurityPolicy, "ws://"+r.Host+" wss://"+r.Host))
		h.Set("Referrer-Policy", "same-origin")
	}
	if r.Header.Get("If-None-Match") == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}
