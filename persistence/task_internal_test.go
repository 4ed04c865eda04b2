package persistence

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
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
