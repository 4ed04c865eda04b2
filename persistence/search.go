package persistence

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

// Tasks are found by words through full-text indexes that the migrations keep in step with
// the tasks and comments tables (0005_search.sql): FTS5 on SQLite, tsvectors on Postgres.
//
// A task matches when its own text (title, description, checklist) holds every word of the
// query, or when one of its comments does; the last word matches as a prefix, so that a
// query typed so far finds what it is heading for. The tasks whose title holds every word
// come first, then the others whose own text does, each best first (bm25 or ts_rank, the
// title weighing most, then description, then checklist), then those matched by their
// comments alone, by their best comment. The statements' text is built in search_query.go.

// MatchTasks returns the ids of the tasks on boardIDs whose titles, descriptions,
// checklists or comments hold the words of q (the last one as a prefix), best first, at
// most limit. A q without a word (letters or digits) matches nothing.
func (db *DB) MatchTasks(ctx context.Context, boardIDs []string, q string, limit int) (_ []string, err error) {
	defer classify(&err)
	ws := words(q)
	if len(ws) == 0 || len(boardIDs) == 0 || limit <= 0 {
		return nil, nil
	}
	ids, err := db.match(ctx, ws, boardIDs, onBoards(boardIDs), nil, limit)
	if err != nil {
		return nil, fmt.Errorf("match tasks: %w", err)
	}
	return ids, nil
}

// Search returns the tasks that pass f on the boards userID is a member of, with their
// boards: with words, best matches first; without, the most recently updated first. At
// most limit. The label, assignee, due and archived parts of f are those of
// messages.TaskFilter.Matches, at the DB's clock.
func (db *DB) Search(ctx context.Context, userID string, f messages.TaskFilter, limit int) (_ []messages.SearchHit, err error) {
	defer classify(&err)
	if limit <= 0 || !messages.ValidText(userID, false) {
		return nil, nil
	}
	now := db.opts.Clock()
	conds := filterConditions(f, now, db.pg)
	var ids []string
	if f.Q != "" {
		ws := words(f.Q)
		if len(ws) == 0 {
			return nil, nil
		}
		ids, err = db.matchOfMember(ctx, ws, userID, conds, limit)
	} else {
		ids, err = db.filtered(ctx, append([]condition{ofMember(userID)}, conds...), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("search for %s: %w", userID, err)
	}
	hits, err := db.hits(ctx, ids, f, now)
	if err != nil {
		return nil, fmt.Errorf("search for %s: %w", userID, err)
	}
	return hits, nil
}

// match returns the ids of the tasks on the boards scope keeps (boardIDs, when it names
// them) that pass conds and whose text, or one of whose comments, holds ws, best first, at
// most limit: by tier (see tiers), then by rank. A tier is looked at only when those before
// leave room. Each query is bounded by limit: the comments' lists each task once, so limit
// of them hold every one that is not in an earlier tier yet.
func (db *DB) match(ctx context.Context, ws, boardIDs []string, scope condition, conds []condition, limit int) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, tier := range db.tiers(ws, boardIDs) {
		all := conds
		if !tier.scoped {
			all = append([]condition{scope}, conds...)
		}
		filter, args := where(all, tier, slices.Clone(tier.queries))
		query := tier.bare
		if filter != "" || query == "" {
			query = fmt.Sprintf(tier.sql, cmp.Or(filter, "1 = 1"))
		}
		found, err := db.rankedIDs(ctx, query, append(args, limit))
		if err != nil {
			return nil, err
		}
		for _, id := range found {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if len(ids) >= limit {
			return ids[:limit], nil
		}
	}
	return ids, nil
}

// matchOfMember is match on the boards userID is a member of. Postgres's planner does best
// with them as a subquery; SQLite names them in the index's query when they are few.
func (db *DB) matchOfMember(ctx context.Context, ws []string, userID string, conds []condition, limit int) ([]string, error) {
	if db.pg {
		return db.match(ctx, ws, nil, ofMember(userID), conds, limit)
	}
	boardIDs, err := db.boardsOfMember(ctx, userID)
	if err != nil || len(boardIDs) == 0 {
		return nil, err
	}
	return db.match(ctx, ws, boardIDs, onBoards(boardIDs), conds, limit)
}

// boardsOfMember returns the ids of the boards userID is a member of, those not deleted.
func (db *DB) boardsOfMember(ctx context.Context, userID string) ([]string, error) {
	return db.queryIDs(ctx, `SELECT m.board_id FROM board_members AS m
		JOIN boards AS b ON b.id = m.board_id WHERE m.user_id = ? AND b.deleted_at IS NULL`, userID)
}

// rankedIDs runs a statement of tiers and returns the ids in its order.
func (db *DB) rankedIDs(ctx context.Context, query string, args []any) ([]string, error) {
	return db.queryIDs(ctx, query, args...)
}

// filtered returns the ids of the tasks that pass conds, the most recently updated first, at
// most limit.
func (db *DB) filtered(ctx context.Context, conds []condition, limit int) ([]string, error) {
	filter, args := where(conds, tier{board: "t.board_id"}, nil)
	return db.queryIDs(ctx, "SELECT t.id FROM tasks AS t WHERE "+filter+" ORDER BY t.updated_at DESC, t.id LIMIT ?",
		append(args, limit)...)
}

// queryIDs runs a query whose first column is an id and returns the ids in its order; any
// other column (a rank) is read and dropped.
func (db *DB) queryIDs(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := rawDB{db.bun.DB, db.pg}.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var id string
	dest := make([]any, len(cols))
	dest[0] = &id
	for i := 1; i < len(dest); i++ {
		dest[i] = new(any)
	}
	var ids []string
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// hits reads the tasks ids names and their boards, in the order of ids, keeping those that
// pass f at now (one deleted meanwhile is left out).
func (db *DB) hits(ctx context.Context, ids []string, f messages.TaskFilter, now time.Time) ([]messages.SearchHit, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []taskRow
	var boards []boardRow
	err := db.read(ctx, func(q bun.IDB) error {
		if err := q.NewSelect().Model(&rows).Where("t.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
			return fmt.Errorf("tasks: %w", err)
		}
		var boardIDs []string
		for _, r := range rows {
			if !slices.Contains(boardIDs, r.BoardID) {
				boardIDs = append(boardIDs, r.BoardID)
			}
		}
		if len(boardIDs) == 0 {
			return nil
		}
		if err := q.NewSelect().Model(&boards).Where("id IN (?)", bun.List(boardIDs)).Scan(ctx); err != nil {
			return fmt.Errorf("boards: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(boards))
	for _, b := range boards {
		names[b.ID] = b.Name
	}
	byID := make(map[string]messages.Task, len(rows))
	for _, r := range rows {
		t, err := r.task()
		if err != nil {
			return nil, err
		}
		byID[t.ID] = t
	}
	hits := make([]messages.SearchHit, 0, len(ids))
	for _, id := range ids {
		if t, ok := byID[id]; ok && f.Matches(t, now) {
			hits = append(hits, messages.SearchHit{Task: t, Board: messages.BoardRef{ID: t.BoardID, Name: names[t.BoardID]}})
		}
	}
	return hits, nil
}
