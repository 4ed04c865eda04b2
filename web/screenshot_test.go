package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestScreenshots writes the README's pictures of the board with two users into the folder
// named by TASKBOARD_SCREENSHOTS, and skips without it:
//
//	TASKBOARD_SCREENSHOTS=$PWD/docs go test ./web -run TestScreenshots
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("TASKBOARD_SCREENSHOTS")
	if dir == "" {
		t.Skip("set TASKBOARD_SCREENSHOTS to a folder to write the screenshots")
	}
	_, alice, bob := twoUsers(t, "")
	alice.addTask("list-todo", "Write the release notes")
	bob.drag("task-3", "list-done")
	bob.addTask("list-in-progress", "Record the demo video")
	alice.until("Bob's changes on Alice's page", taskIn("task-3", "list-done")+" && "+cardIn("list-in-progress", "Record the demo video")+" === 1")
	bob.until("Alice's card on Bob's page", cardIn("list-todo", "Write the release notes")+" === 1")
	// Bob loses his connection and keeps working: his change waits, marked pending.
	bob.offline(true)
	bob.until("Bob offline", `document.querySelector('[data-testid=connection-status]').dataset.state === 'offline'`)
	bob.addTask("list-todo", "Book the venue")
	bob.until("Bob's pending change", `document.querySelector('[data-testid=pending-count]').textContent === '1'`)

	a := shot(t, alice, 900, 560)
	b := shot(t, bob, 900, 560)
	both := image.NewRGBA(image.Rect(0, 0, a.Bounds().Dx()+b.Bounds().Dx()+16, max(a.Bounds().Dy(), b.Bounds().Dy())))
	draw.Draw(both, both.Bounds(), &image.Uniform{color.RGBA{0x33, 0x3a, 0x45, 0xff}}, image.Point{}, draw.Src)
	draw.Draw(both, a.Bounds(), a, image.Point{}, draw.Src)
	draw.Draw(both, b.Bounds().Add(image.Pt(a.Bounds().Dx()+16, 0)), b, image.Point{}, draw.Src)
	write(t, filepath.Join(dir, "web-two-users.png"), both)

	bob.offline(false)
	bob.live()
	write(t, filepath.Join(dir, "web-phone.png"), shot(t, alice, 390, 760))
}

// shot screenshots the page at a viewport size.
func shot(t *testing.T, p *page, w, h int64) image.Image {
	t.Helper()
	p.run(chromedp.EmulateViewport(w, h))
	ctx, cancel := context.WithTimeout(p.ctx, wait)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	return img
}

func write(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// TestDarkMode takes the board's picture with the system in dark mode: the page follows it
// (a dark background, light text), and the picture is written to TASKBOARD_SCREENSHOTS when
// set (docs/web-dark.png).
func TestDarkMode(t *testing.T) {
	s := newStack(t)
	p := newBrowser(t).open(t, s, "alice", "/b/board-1")
	p.scheme("dark")
	p.live()
	p.openCard("task-1")
	img := shot(t, p, 900, 560)
	var sum, n float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			sum += (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(bl)) / 0xffff
			n++
		}
	}
	if mean := sum / n; mean > 0.35 {
		t.Fatalf("the page in dark mode has a mean luminance of %.2f, want a dark page", mean)
	}
	if !eval[bool](p, `(() => { const c = getComputedStyle(document.querySelector('[data-testid=task-title-input]')).color.match(/\d+/g).map(Number); return c[0] > 180 && c[1] > 180; })()`) {
		t.Fatal("the dialog's text is not light in dark mode")
	}
	if dir := os.Getenv("TASKBOARD_SCREENSHOTS"); dir != "" {
		write(t, filepath.Join(dir, "web-dark.png"), img)
	}
}
