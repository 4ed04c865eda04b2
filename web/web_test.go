package web_test

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/taskboard/taskboard/web"
)

// TestDistIsComplete checks that the embedded build is one: index.html loads a script and a
// stylesheet, and every file it names is embedded.
func TestDistIsComplete(t *testing.T) {
	dist := web.Dist()
	index, err := fs.ReadFile(dist, "index.html")
	if err != nil {
		t.Fatalf("no index.html in the build: %v (run make web)", err)
	}
	refs := regexp.MustCompile(`(?:src|href)="/([^"]+)"`).FindAllSubmatch(index, -1)
	var js, css int
	for _, r := range refs {
		name := string(r[1])
		if _, err := fs.Stat(dist, name); err != nil {
			t.Errorf("index.html names %s, which the build lacks", name)
		}
		js += boolInt(strings.HasSuffix(name, ".js"))
		css += boolInt(strings.HasSuffix(name, ".css"))
	}
	if js != 1 || css != 1 {
		t.Fatalf("index.html loads %d scripts and %d stylesheets, want 1 each", js, css)
	}
}

// jsBudget bounds the JavaScript the UI ships, gzipped as the server sends it: the script every
// page loads and the chunks loaded on demand (the Markdown renderer, 15 KiB, on a card's first
// opening). startBudget bounds the script every page loads.
const (
	jsBudget    = 52 << 10
	startBudget = 40 << 10
)

func TestJavaScriptBudget(t *testing.T) {
	index, err := fs.ReadFile(web.Dist(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	err = fs.WalkDir(web.Dist(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".js") {
			return err
		}
		body, err := fs.ReadFile(web.Dist(), name)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		t.Logf("%s: %d bytes, %d gzipped", name, len(body), buf.Len())
		total += buf.Len()
		if bytes.Contains(index, []byte("/"+name)) && buf.Len() > startBudget {
			t.Errorf("the script every page loads, %s, is %d bytes gzipped, want at most %d", name, buf.Len(), startBudget)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 || total > jsBudget {
		t.Fatalf("the UI ships %d bytes of gzipped JavaScript, want 1 to %d", total, jsBudget)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
