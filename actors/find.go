package actors

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/taskboard/taskboard/messages"
)

// listTasks answers the board's tasks that pass a filter, from memory; words are matched by
// the store's full-text index, best matches first.
func (b *board) listTasks(c messages.ListTasks) (messages.Result, error) {
	if _, err := b.authorize(c.UserID, messages.RoleViewer); err != nil {
		return messages.Result{}, err
	}
	f := c.Filter
	var candidates []messages.Task
	switch {
	case f.Q != "":
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		ids, err := b.store.MatchTasks(ctx, []string{b.id}, f.Q, messages.MaxTasksMatched)
		if err != nil {
			return messages.Result{}, err
		}
		for _, id := range ids {
			if t, _, ok := b.st.find(id); ok {
				candidates = append(candidates, t)
			}
		}
	case f.Archived:
		for _, t := range b.st.archived {
			candidates = append(candidates, t)
		}
		slices.SortFunc(candidates, func(x, y messages.Task) int { // newest archived first
			if c := y.ArchivedAt.Compare(x.ArchivedAt.Time); c != 0 {
				return c
			}
			return compareIDs(x.ID, y.ID)
		})
	default:
		candidates = b.st.allTasks()
	}
	now := b.opts.Clock()
	out := make([]messages.Task, 0, len(candidates))
	for _, t := range candidates {
		if f.Matches(t, now) {
			out = append(out, t)
		}
	}
	return messages.Result{Tasks: out, Seq: b.seq}, nil
}

func compareIDs(x, y string) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// activity answers a page of the board's events, or of those about one task, newest first.
func (b *board) activity(c messages.GetActivity) (messages.Result, error) {
	if _, err := b.authorize(c.UserID, messages.RoleViewer); err != nil {
		return messages.Result{}, err
	}
	if c.TaskID != "" {
		if _, _, ok := b.st.find(c.TaskID); !ok {
			return messages.Result{}, messages.NotFound("task")
		}
	}
	limit := c.Limit
	if limit <= 0 || limit > messages.MaxPage {
		limit = messages.DefaultPage
	}
	before := c.Before
	if before <= 0 || before > b.seq+1 {
		before = b.seq + 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	events, err := b.store.Activity(ctx, b.id, c.TaskID, before, limit+1)
	if err != nil {
		return messages.Result{}, err
	}
	page := messages.Activity{Events: make([]json.RawMessage, 0, min(len(events), limit))}
	for i, e := range events {
		if i == limit {
			page.Next = events[limit-1].Seq
			break
		}
		page.Events = append(page.Events, e.JSON)
	}
	return messages.Result{Activity: &page, Seq: b.seq}, nil
}
