package persistence

import (
	"context"
	"fmt"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// putMembers inserts memberships or changes the role of existing ones; a new membership's
// created_at is now, an existing one keeps its own.
func putMembers(ctx context.Context, tx rawTx, boardID string, members []messages.Member, now time.Time) error {
	for _, m := range members {
		if m.UserID == "" || !m.Role.Valid() {
			return fmt.Errorf("put member %q: bad user or role %q", m.UserID, m.Role)
		}
		if err := tx.run(ctx, "put member "+m.UserID, `INSERT INTO board_members (board_id, user_id, role, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (board_id, user_id) DO UPDATE SET role = excluded.role`,
			boardID, m.UserID, string(m.Role), millis(now)); err != nil {
			return err
		}
	}
	return nil
}

// deleteMembers ends memberships; user ids that are not members are ignored.
func deleteMembers(ctx context.Context, tx rawTx, boardID string, userIDs []string) error {
	for _, id := range userIDs {
		if err := tx.run(ctx, "delete member "+id, "DELETE FROM board_members WHERE board_id = ? AND user_id = ?",
			boardID, id); err != nil {
			return err
		}
	}
	return nil
}
