package persistence

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/messages"
)

// decodeIDs reads what jsonList writes exactly as encoding/json does, its fast path included.
func TestDecodeIDs(t *testing.T) {
	for _, ids := range [][]string{
		{}, {"a"}, {"label_01J", "label_02K"}, {`quote"d`, `back\slash`}, {"é", "ü,comma"}, {"", "x"},
	} {
		got, err := decodeIDs(jsonList(ids))
		if err != nil || !cmp.Equal(got, ids) {
			t.Errorf("decodeIDs(%s) = %q, %v, want %q", jsonList(ids), got, err, ids)
		}
	}
	for _, bad := range []string{"", "[", `["a"`, `["a",]`, `["a" "b"]`, `[1]`, "null"} {
		want := []string{}
		wantErr := json.Unmarshal([]byte(bad), &want)
		got, err := decodeIDs(bad)
		if (err != nil) != (wantErr != nil) || (err == nil && !cmp.Equal(got, want)) {
			t.Errorf("decodeIDs(%q) = %q, %v; encoding/json says %q, %v", bad, got, err, want, wantErr)
		}
	}
}

// decodeChecklist reads what jsonList writes exactly as encoding/json does, on its hand-read
// path and off it.
func TestDecodeChecklist(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"", "plain", "<b>&</b>", `"q"`, `b\s`, "tab\t", "é 日本", "\u2028", "}", `","done":true,"position":1}`, ",", "{", "["}
	text := func() string {
		var b strings.Builder
		for range rnd.IntN(3) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		return b.String()
	}
	for range 2000 {
		items := []messages.ChecklistItem{}
		for i := range rnd.IntN(5) {
			items = append(items, messages.ChecklistItem{ID: text(), Text: text(), Done: rnd.IntN(2) == 0, Position: i + rnd.IntN(2)*1000})
		}
		got, err := decodeChecklist(jsonList(items))
		if err != nil || !cmp.Equal(got, items) {
			t.Fatalf("decodeChecklist(%s) = %+v, %v, want %+v", jsonList(items), got, err, items)
		}
	}
	for _, bad := range []string{"[", `[{"id":"a"}]`, `[{"id":"a","text":"b","done":maybe,"position":0}]`, `[{"id":"a","text":"b","done":true,"position":x}]`, "[1]"} {
		var want []messages.ChecklistItem
		wantErr := json.Unmarshal([]byte(bad), &want)
		got, err := decodeChecklist(bad)
		if (err != nil) != (wantErr != nil) || (err == nil && !cmp.Equal(got, want, cmpEmpty)) {
			t.Errorf("decodeChecklist(%q) = %+v, %v; encoding/json says %+v, %v", bad, got, err, want, wantErr)
		}
	}
}

var cmpEmpty = cmp.Comparer(func(a, b []messages.ChecklistItem) bool { return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b) })
