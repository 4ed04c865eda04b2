package messages_test

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// AppendJSON writes what encoding/json writes, for tasks with every kind of field and text.
func TestTaskAppendJSONMatchesEncodingJSON(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"", "plain", "<b>&</b>", `"quoted"`, `back\slash`, "tab\tnew\nline\r", "\b\f\x00\x1f\x7f",
		"é ü 日本", "\u2028\u2029", "\xff\xfe bad utf-8", "emoji 😀", strings.Repeat("long ", 50)}
	text := func() string {
		var b strings.Builder
		for range rnd.IntN(4) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		return b.String()
	}
	ids := func() []string {
		out := []string{}
		for range rnd.IntN(4) {
			out = append(out, text())
		}
		return out
	}
	at := func() messages.Time {
		return messages.NewTime(time.UnixMilli(rnd.Int64N(4e12)).In(time.FixedZone("x", 3600*rnd.IntN(12))))
	}
	for i := range 2000 {
		task := messages.Task{ID: text(), BoardID: text(), ListID: text(), Title: text(), LabelIDs: ids(),
			CommentCount: rnd.IntN(1000), Position: rnd.IntN(100), Version: rnd.IntN(1 << 30), CreatedAt: at(), UpdatedAt: at()}
		if rnd.IntN(2) == 0 {
			d := text()
			task.Description = &d
		}
		if rnd.IntN(2) == 0 {
			due, archived := at(), at()
			task.DueAt, task.ArchivedAt = &due, &archived
		}
		task.SetAssignees(ids())
		for j := range rnd.IntN(4) {
			task.Checklist = append(task.Checklist, messages.ChecklistItem{ID: text(), Text: text(), Done: rnd.IntN(2) == 0, Position: j})
		}
		task.Normalize()
		want, err := json.Marshal(task)
		if err != nil {
			t.Fatal(err)
		}
		if got := task.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("task %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
