package gateway_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/taskboard/taskboard/gateway"
)

var uiFS = fstest.MapFS{
	"index.html":         {Data: []byte(`<!doctype html><title>taskboard</title><script src="/assets/app-1.js"></script>`)},
	"favicon.svg":        {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
	"assets/app-1.js":    {Data: []byte(strings.Repeat("console.log('taskboard');\n", 200))},
	"assets/style-1.css": {Data: []byte("body{margin:0}")},
}

func withUI(c *gateway.Config) { c.UI = uiFS }

// get sends a GET with header name, value pairs and returns the answer, body read.
func get(t *testing.T, e *env, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// A transport of our own, so that Go does not decompress behind our back.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestUIPages(t *testing.T) {
	e := newServer(t, withUI)
	index := uiFS["index.html"].Data
	for _, path := range []string{"/", "/settings", "/b/board-1", "/b/task_01J/"} {
		resp, body := get(t, e, path)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, index) {
			t.Fatalf("GET %s: %d %q, want 200 and index.html", path, resp.StatusCode, body)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache", path, cc)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
}

func TestUIAssets(t *testing.T) {
	e := newServer(t, withUI)
	js := uiFS["assets/app-1.js"].Data

	resp, body := get(t, e, "/assets/app-1.js")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, js) {
		t.Fatalf("plain GET: %d, %d bytes, want 200 and the file", resp.StatusCode, len(body))
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("Cache-Control %q, want immutable for a hashed asset", cc)
	}

	resp, body = get(t, e, "/assets/app-1.js", "Accept-Encoding", "gzip, br")
	if resp.Header.Get("Content-Encoding") != "gzip" || len(body) >= len(js) {
		t.Fatalf("gzip GET: Content-Encoding %q, %d bytes of %d", resp.Header.Get("Content-Encoding"), len(body), len(js))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, js) {
		t.Fatal("gzipped body does not decompress to the file")
	}

	etag := resp.Header.Get("ETag")
	if resp, _ = get(t, e, "/assets/app-1.js", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d, want 304", resp.StatusCode)
	}
	if resp, _ = get(t, e, "/favicon.svg"); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("favicon: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestUIDoesNotShadowTheAPI checks that API routes, unknown paths, other methods and WebSocket
// upgrades at "/" still reach the API.
func TestUIDoesNotShadowTheAPI(t *testing.T) {
	e := newServer(t, withUI)
	alice := e.as(t, "alice")
	alice.do(t, "GET", "/boards/board-1", nil).want(t, http.StatusOK)
	alice.do(t, "GET", "/boards", nil).want(t, http.StatusOK)
	e.anon().do(t, "GET", "/me", nil).wantError(t, http.StatusUnauthorized, "unauthorized")
	e.anon().do(t, "GET", "/assets/missing.js", nil).wantError(t, http.StatusNotFound, "not_found")
	e.anon().do(t, "GET", "/b/board-1/extra", nil).wantError(t, http.StatusNotFound, "not_found")
	e.anon().do(t, "GET", "/index.html", nil).wantError(t, http.StatusNotFound, "not_found")
	if res := e.anon().do(t, "POST", "/", nil); res.Status == http.StatusOK {
		t.Fatalf("POST / answered 200: %s", res.Body)
	}
	res := e.anon().do(t, "GET", "/", nil, "Connection", "Upgrade", "Upgrade", "websocket")
	if bytes.Contains(res.Body, []byte("<title>")) {
		t.Fatalf("a WebSocket upgrade at / got the UI: %d %s", res.Status, res.Body)
	}
}

func TestNoUIWithoutConfig(t *testing.T) {
	e := newServer(t)
	e.anon().do(t, "GET", "/", nil).wantError(t, http.StatusNotFound, "not_found")
}
