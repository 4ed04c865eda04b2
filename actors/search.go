package actors

import (
	"context"
	"fmt"

	"github.com/taskboard/taskboard/messages"
)

// search answers the tasks that pass a filter across the caller's boards, from the store:
// being a member is what lets one see a board's tasks, and the store knows the memberships
// of every board, running or not, as of their last commit.
func (b *Boards) search(ctx context.Context, c messages.Search) (messages.Result, error) {
	limit := c.Limit
	switch {
	case limit <= 0:
		limit = messages.DefaultSearch
	case limit > messages.MaxSearch:
		limit = messages.MaxSearch
	}
	hits, err := b.store.Search(ctx, c.UserID, c.Filter, limit)
	if err != nil {
		if messages.ErrorCode(err) != messages.CodeInternal {
			return messages.Result{}, err
		}
		return messages.Result{}, fmt.Errorf("search: %w", err)
	}
	return messages.Result{Hits: hits}, nil
}
