package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

type boardRow struct {
	bun.BaseModel `bun:"table:boards,alias:b"`

	ID        string `bun:"id,pk"`
	Name      string `bun:"name"`
	Seq       int64  `bun:"seq"`
	CreatedAt int64  `bun:"created_at"`
	DeletedAt *int64 `bun:"deleted_at"`
}

func (r boardRow) board() messages.Board {
	return messages.Board{ID: r.ID, Name: r.Name, CreatedAt: fromMillis(r.CreatedAt)}
}

type memberRow struct {
	bun.BaseModel `bun:"table:board_members"`

	BoardID   string `bun:"board_id,pk"`
	UserID    string `bun:"user_id,pk"`
	Role      string `bun:"role"`
	CreatedAt int64  `bun:"created_at"`
}

// LoadBoard reads a board with its members, lists, tasks, seq, oldest kept event and up to
// recent of its newest events, all from one snapshot. A missing or deleted board is
// messages.NotFound("board").
func (db *DB) LoadBoard(ctx context.Context, boardID string, recent int) (messages.BoardState, error) {
	if !messages.ValidID(boardID) {
		return messages.BoardState{}, messages.NotFound("board")
	}
	var s messages.BoardState
	err := db.read(ctx, func(q bun.IDB) error {
		var b boardRow
		err := q.NewSelect().Model(&b).Where("id = ? AND deleted_at IS NULL", boardID).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return messages.NotFound("board")
		}
		if err != nil {
			return fmt.Errorf("board: %w", err)
		}
		s.Board, s.Seq = b.board(), b.Seq
		if s.Members, err = membersOf(ctx, q, boardID); err != nil {
			return err
		}
		if s.Lists, err = listsOf(ctx, q, boardID); err != nil {
			return err
		}
		if s.Tasks, err = tasksOf(ctx, q, boardID, s.Lists); err != nil {
			return err
		}
		if s.Labels, err = labelsOf(ctx, q, boardID); err != nil {
			return err
		}
		if s.FirstSeq, err = firstSeq(ctx, q, boardID, s.Seq); err != nil {
			return err
		}
		s.Recent, err = recentEvents(ctx, q, boardID, recent)
		return err
	})
	if err != nil {
		return messages.BoardState{}, fmt.Errorf("load board %s: %w", boardID, err)
	}
	return s, nil
}

// membersOf returns a board's members with their names and emails, in the order they joined.
func membersOf(ctx context.Context, q bun.IDB, boardID string) ([]messages.Member, error) {
	var rows []struct {
		UserID string `bun:"user_id"`
		Name   string `bun:"name"`
		Email  string `bun:"email"`
		Role   string `bun:"role"`
	}
	err := q.NewRaw(`SELECT m.user_id, u.name, u.email, m.role
		FROM board_members AS m JOIN users AS u ON u.id = m.user_id
		WHERE m.board_id = ? ORDER BY m.created_at, m.user_id`, boardID).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	members := make([]messages.Member, len(rows))
	for i, r := range rows {
		members[i] = messages.Member{UserID: r.UserID, Name: r.Name, Email: r.Email, Role: messages.Role(r.Role)}
	}
	return members, nil
}

// CreateBoard inserts a board at seq 0, its lists, its owner's membership and the idempotency
// record, if any, in one transaction. A zero CreatedAt on the board or a list means now. A
// board id that exists, or a mutation id the user already used, is a conflict *messages.Error.
func (db *DB) CreateBoard(ctx context.Context, nb messages.NewBoard) (err error) {
	defer classify(&err)
	now := db.now()
	board := boardRow{ID: nb.Board.ID, Name: nb.Board.Name, CreatedAt: millisOr(nb.Board.CreatedAt, now)}
	lists := make([]listRow, len(nb.Lists))
	for i, l := range nb.Lists {
		if l.BoardID != "" && l.BoardID != board.ID {
			return fmt.Errorf("create board %s: list %s is for board %s", board.ID, l.ID, l.BoardID)
		}
		lists[i] = newListRow(l, board.ID, fromMillis(board.CreatedAt).Time)
	}
	owner := memberRow{BoardID: board.ID, UserID: nb.OwnerID, Role: string(messages.RoleOwner), CreatedAt: board.CreatedAt}
	err = db.write(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&board).Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return messages.Errorf(messages.CodeConflict, "board already exists")
			}
			return fmt.Errorf("insert board: %w", err)
		}
		if len(lists) > 0 {
			if _, err := tx.NewInsert().Model(&lists).Exec(ctx); err != nil {
				return fmt.Errorf("insert lists: %w", err)
			}
		}
		if _, err := tx.NewInsert().Model(&owner).Exec(ctx); err != nil {
			return fmt.Errorf("insert owner: %w", err)
		}
		if nb.Idempotency != nil {
			return insertIdempotency(ctx, db.raw(tx.Tx), board.ID, *nb.Idempotency, now)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create board %s: %w", board.ID, err)
	}
	return nil
}

// BoardsOf lists the boards a user is a member of, with the user's role, oldest first: at most
// limit of them, after the board whose id is after (from the start when empty).
func (db *DB) BoardsOf(ctx context.Context, userID, after string, limit int) (_ []messages.Board, err error) {
	defer classify(&err)
	if !messages.ValidText(userID, false) || !messages.ValidText(after, false) {
		return nil, nil
	}
	var rows []struct {
		ID        string `bun:"id"`
		Name      string `bun:"name"`
		CreatedAt int64  `bun:"created_at"`
		Role      string `bun:"role"`
	}
	q := `SELECT b.id, b.name, b.created_at, m.role
		FROM board_members AS m JOIN boards AS b ON b.id = m.board_id
		WHERE m.user_id = ? AND b.deleted_at IS NULL`
	args := []any{userID}
	if after != "" {
		q += ` AND (b.created_at, b.id) > (SELECT created_at, id FROM boards WHERE id = ?)`
		args = append(args, after)
	}
	q += ` ORDER BY b.created_at, b.id LIMIT ?`
	args = append(args, limit)
	if err := db.bun.NewRaw(q, args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("boards of %s: %w", userID, err)
	}
	boards := make([]messages.Board, len(rows))
	for i, r := range rows {
		boards[i] = messages.Board{ID: r.ID, Name: r.Name, CreatedAt: fromMillis(r.CreatedAt), Role: messages.Role(r.Role)}
	}
	return boards, nil
}

// OwnedBoards counts the boards a user owns.
func (db *DB) OwnedBoards(ctx context.Context, userID string) (_ int, err error) {
	defer classify(&err)
	if !messages.ValidText(userID, false) {
		return 0, nil
	}
	var n int
	err = db.bun.NewRaw(`SELECT count(*) FROM board_members AS m JOIN boards AS b ON b.id = m.board_id
		WHERE m.user_id = ? AND m.role = ? AND b.deleted_at IS NULL`, userID, string(messages.RoleOwner)).Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("boards owned by %s: %w", userID, err)
	}
	return n, nil
}

// BoardOfTask returns the board holding a task, or messages.NotFound("task") when there is
// no such task or its board is deleted.
func (db *DB) BoardOfTask(ctx context.Context, taskID string) (_ string, err error) {
	defer classify(&err)
	if !messages.ValidID(taskID) {
		return "", messages.NotFound("task")
	}
	return db.boardOf(ctx, "tasks", "task", taskID)
}

// BoardOfList returns the board holding a list, or messages.NotFound("list") when there is
// no such list or its board is deleted.
func (db *DB) BoardOfList(ctx context.Context, listID string) (_ string, err error) {
	defer classify(&err)
	if !messages.ValidID(listID) {
		return "", messages.NotFound("list")
	}
	return db.boardOf(ctx, "lists", "list", listID)
}

// boardOf looks up the live board of a row of table (a constant, never user input). Every
// command on a task or list asks this, so answers are cached (see ownerCache). The driver
// binds id, so that each connection prepares the statement once: bun's QueryRowContext
// would write id into a new statement text, prepared on every call, that pushes the write
// statements out of the connection's statement cache.
func (db *DB) boardOf(ctx context.Context, table, kind, id string) (string, error) {
	key := kind + ":" + id
	boardID, ok, gen := db.owners.get(key)
	if ok {
		return boardID, nil
	}
	err := rawDB{db.bun.DB, db.pg}.QueryRowContext(ctx, "SELECT x.board_id FROM "+table+` AS x
		JOIN boards AS b ON b.id = x.board_id
		WHERE x.id = ? AND b.deleted_at IS NULL`, id).Scan(&boardID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", messages.NotFound(kind)
	case err != nil:
		return "", fmt.Errorf("board of %s %s: %w", kind, id, err)
	}
	db.owners.put(key, boardID, gen, ownerEntries)
	return boardID, nil
}
