package persistence

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/taskboard/taskboard/messages"
)

// The text of a search's statements: its words as each index's query, the statements that
// rank the matches (tiers), and the conditions on the tasks they keep (search.go runs them).

// Weights of bm25 on SQLite, for tasks_fts's columns board (never searched for words),
// title, description and checklist_text. Postgres weighs the last three A, B and C (ts_rank:
// 1.0, 0.4, 0.2).
const bm25Weights = "0.0, 10.0, 4.0, 2.0"

// words splits q into the words the indexes hold: runs of letters, digits and marks, as
// SQLite's unicode61 tokenizer splits text, and as the Postgres index splits it once its
// punctuation is blanked out. Nothing else of q reaches the index's query syntax.
func words(q string) []string {
	return strings.FieldsFunc(q, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) && !unicode.Is(unicode.Co, r)
	})
}

// ftsQuery is words as an FTS5 query: each a quoted string (quotes doubled, though words have
// none), all required, the last a prefix.
func ftsQuery(ws []string) string {
	var b strings.Builder
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + strings.ReplaceAll(w, `"`, `""`) + `"`)
	}
	b.WriteByte('*')
	return b.String()
}

// tsQuery is words as the text of a Postgres tsquery: each a quoted lexeme (quotes and
// backslashes escaped, though words have none), all required, the last a prefix; only in
// the parts weighed weight (the title is A), when it is set.
func tsQuery(ws []string, weight string) string {
	quoted := make([]string, len(ws))
	for i, w := range ws {
		label := weight
		if i == len(ws)-1 {
			label = "*" + weight
		}
		quoted[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(w, `\`, `\\`), `'`, `''`) + "'"
		if label != "" {
			quoted[i] += ":" + label
		}
	}
	return strings.Join(quoted, " & ")
}

// maxIndexedBoards is how many boards a search on SQLite names in the index's query at most.
const maxIndexedBoards = 8

// tier is a query that ranks the tasks of a search, with %s for its conditions; its
// arguments are queries, the conditions', then the limit. board is its column of the
// task's board; task its column of the task's id, unless the task t is joined already;
// archived its column of whether the task is archived, if it has one. A tier whose query
// names the boards itself (scoped) has no condition on them; bare is its statement when no
// condition is left, if it has one.
type tier struct {
	sql, bare, board, task, archived string
	scoped                           bool
	queries                          []any
}

// tiers are the statements of a search for ws, in the order their matches rank: the tasks
// whose title holds every word, the others whose own text does, then those whose comments
// do, each by rank. bm25 and ts_rank weigh the title most anyway; on SQLite, a first
// statement for the titles spares ranking every other match of a word most tasks hold when
// the titles alone fill the answer. A Postgres GIN index knows no weights, so one statement
// there ranks the task's own text, titles first.
func (db *DB) tiers(ws, boardIDs []string) []tier {
	if db.pg {
		all, inTitle := tsQuery(ws, ""), tsQuery(ws, "A")
		own := `SELECT s.task_id, ts_rank(s.doc, query) AS score
			FROM to_tsquery('simple', ?) AS query, to_tsquery('simple', ?) AS in_title, task_search AS s
			WHERE s.doc @@ query AND %s
			ORDER BY s.doc @@ in_title DESC, score DESC, s.task_id LIMIT ?`
		comments := `SELECT c.task_id, max(ts_rank(c.search, query)) AS score
			FROM to_tsquery('simple', ?) AS query, comments AS c
			WHERE c.search @@ query AND %s
			GROUP BY c.task_id ORDER BY score DESC, c.task_id LIMIT ?`
		return []tier{
			{sql: own, board: "s.board_id", task: "s.task_id", archived: "s.archived", queries: []any{all, inTitle}},
			{sql: comments, board: "c.board_id", task: "c.task_id", queries: []any{all}},
		}
	}
	// The index names the boards of a search of a few (see 0005_search.sql): a board's
	// search then costs its own matches, not every board's. Across many boards, an OR of as
	// many tokens costs more than it spares (5 ms for 100 boards, for a word no task holds),
	// and the tasks' board is checked instead. Only the index's text columns are searched
	// for words. It is the outer loop (CROSS JOIN keeps that order): rows are read by rowid
	// for the matches alone, or, with no condition left, for the best limit of them alone.
	// bm25 is lower for better matches; it cannot be an aggregate's argument, so the
	// comments' scores are materialized first.
	scoped, on := len(boardIDs) > 0 && len(boardIDs) <= maxIndexedBoards, ""
	if scoped {
		boards := make([]string, len(boardIDs))
		for i, id := range boardIDs {
			boards[i] = `"b` + hex.EncodeToString([]byte(id)) + `"`
		}
		on = "{board} : (" + strings.Join(boards, " OR ") + ") AND "
	}
	all := ftsQuery(ws)
	inTitle := "{title} : (" + all + ")"
	own := `SELECT t.id, bm25(tasks_fts, ` + bm25Weights + `) AS score
			FROM tasks_fts CROSS JOIN tasks AS t ON t.rowid = tasks_fts.rowid
			WHERE tasks_fts MATCH ? AND %s
			ORDER BY score, t.id LIMIT ?`
	ownBare := `SELECT t.id, m.score FROM (
				SELECT rowid, bm25(tasks_fts, ` + bm25Weights + `) AS score
				FROM tasks_fts WHERE tasks_fts MATCH ? ORDER BY score LIMIT ?) AS m
			CROSS JOIN tasks AS t ON t.rowid = m.rowid
			ORDER BY m.score, t.id`
	comments := `WITH matched AS MATERIALIZED (
				SELECT c.task_id AS id, bm25(comments_fts, 0.0, 1.0) AS score
				FROM comments_fts CROSS JOIN comments AS c ON c.rowid = comments_fts.rowid
				WHERE comments_fts MATCH ? AND %s)
			SELECT id, min(score) AS score FROM matched GROUP BY id ORDER BY score, id LIMIT ?`
	commentsBare := `WITH matched AS MATERIALIZED (
				SELECT c.task_id AS id, bm25(comments_fts, 0.0, 1.0) AS score
				FROM comments_fts CROSS JOIN comments AS c ON c.rowid = comments_fts.rowid
				WHERE comments_fts MATCH ?)
			SELECT id, min(score) AS score FROM matched GROUP BY id ORDER BY score, id LIMIT ?`
	text := "{title description checklist_text} : (" + all + ")"
	return []tier{
		{sql: own, bare: ownBare, board: "t.board_id", scoped: scoped, queries: []any{on + inTitle}},
		{sql: own, bare: ownBare, board: "t.board_id", scoped: scoped, queries: []any{on + "(" + text + " NOT " + inTitle + ")"}},
		{sql: comments, bare: commentsBare, board: "c.board_id", task: "c.task_id", scoped: scoped,
			queries: []any{on + "{body} : (" + all + ")"}},
	}
}

// condition is a part of a search's WHERE clause, with ? placeholders: about the task t's
// columns, or, when !task, only about its board, named @board (the index's own copy of it
// spares reading the task). indexed, when set, is the same condition on the index's copy of
// whether the task is archived, named @archived, for a tier whose index has one.
type condition struct {
	sql     string
	args    []any
	task    bool
	indexed string
}

// onBoards keeps the tasks of boardIDs.
func onBoards(boardIDs []string) condition {
	args := make([]any, len(boardIDs))
	for i, id := range boardIDs {
		args[i] = id
	}
	return condition{sql: "@board IN (" + placeholders(len(boardIDs)) + ")", args: args}
}

// ofMember keeps the tasks of the boards userID is a member of, those not deleted.
func ofMember(userID string) condition {
	return condition{sql: `@board IN (SELECT m.board_id FROM board_members AS m
		JOIN boards AS mb ON mb.id = m.board_id WHERE m.user_id = ? AND mb.deleted_at IS NULL)`, args: []any{userID}}
}

// filterConditions is f, but for its words, as conditions: a superset of what f.Matches
// keeps at now (the label and assignee are looked for in the JSON text of the lists), which
// the tasks read are checked against once more.
func filterConditions(f messages.TaskFilter, now time.Time, pg bool) []condition {
	contains := "instr(%s, ?) > 0"
	if pg {
		contains = "strpos(%s, ?) > 0"
	}
	quoted := func(id string) string { b, _ := json.Marshal(id); return string(b) }
	conds := []condition{{"t.archived_at IS NULL", nil, true, "NOT @archived"}}
	if f.Archived {
		conds[0].sql, conds[0].indexed = "t.archived_at IS NOT NULL", "@archived"
	}
	if f.Label != "" {
		conds = append(conds, condition{fmt.Sprintf(contains, "t.label_ids"), []any{quoted(f.Label)}, true, ""})
	}
	switch f.Assignee {
	case "":
	case messages.AssigneeNone:
		conds = append(conds, condition{"t.assignee_ids = '[]'", nil, true, ""})
	default:
		conds = append(conds, condition{fmt.Sprintf(contains, "t.assignee_ids"), []any{quoted(f.Assignee)}, true, ""})
	}
	ms := millis(now)
	switch f.Due {
	case messages.DueNone:
		conds = append(conds, condition{"t.due_at IS NULL", nil, true, ""})
	case messages.DueOverdue:
		conds = append(conds, condition{"t.due_at <= ?", []any{ms}, true, ""})
	case messages.DueToday:
		y, m, d := now.UTC().Date()
		start := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		conds = append(conds, condition{"t.due_at >= ? AND t.due_at < ?", []any{millis(start), millis(start.AddDate(0, 0, 1))}, true, ""})
	case messages.DueWeek:
		conds = append(conds, condition{"t.due_at >= ? AND t.due_at <= ?", []any{ms, millis(now.Add(7 * 24 * time.Hour))}, true, ""})
	}
	return conds
}

// where joins conds with AND for tier, appending their arguments to args: the board is the
// column tier.board; the conditions about the task t's columns are checked on the task whose
// id is the column tier.task, or, when that is empty, on t as it is; whether it is archived
// on tier.archived, when the tier has it.
func where(conds []condition, tr tier, args []any) (string, []any) {
	var parts, ofTask []string
	var taskArgs []any
	for _, c := range conds {
		text := c.sql
		if c.indexed != "" && tr.archived != "" {
			text, c.task = strings.ReplaceAll(c.indexed, "@archived", tr.archived), false
		}
		part := "(" + strings.ReplaceAll(text, "@board", tr.board) + ")"
		if c.task && tr.task != "" {
			// A semi-join, not a join: the index's rows are not carried along.
			ofTask = append(ofTask, part)
			taskArgs = append(taskArgs, c.args...)
		} else {
			parts = append(parts, part)
			args = append(args, c.args...)
		}
	}
	if len(ofTask) > 0 {
		parts = append(parts, "EXISTS (SELECT 1 FROM tasks AS t WHERE t.id = "+tr.task+" AND "+strings.Join(ofTask, " AND ")+")")
		args = append(args, taskArgs...)
	}
	return strings.Join(parts, " AND "), args
}
