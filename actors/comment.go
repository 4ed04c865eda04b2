package actors

import (
	"context"

	"github.com/taskboard/taskboard/messages"
)

// Comments are kept by the store, not in the board's memory: the board holds each task's
// count, and reads a comment when a change names it.

func (b *board) listComments(c messages.ListComments) (messages.Result, error) {
	if _, err := b.authorize(c.UserID, messages.RoleViewer); err != nil {
		return messages.Result{}, err
	}
	if _, _, ok := b.st.find(c.TaskID); !ok {
		return messages.Result{}, messages.NotFound("task")
	}
	limit := c.Limit
	if limit <= 0 || limit > messages.MaxPage {
		limit = messages.DefaultPage
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	comments, more, err := b.store.Comments(ctx, c.TaskID, c.Before, limit)
	if err != nil {
		return messages.Result{}, err
	}
	res := messages.Result{Comments: comments, Seq: b.seq}
	if more && len(comments) > 0 {
		res.Next = comments[0].ID
	}
	return res, nil
}

func (b *board) addComment(c messages.AddComment) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	t, _, err := b.currentTask(c.TaskID, nil)
	if err != nil {
		return messages.Result{}, err
	}
	now := b.now()
	cm := messages.Comment{ID: newID("comment"), BoardID: b.id, TaskID: t.ID, AuthorID: c.UserID, Body: c.Body,
		CreatedAt: now, UpdatedAt: now}
	next := bump(t, now)
	next.CommentCount++
	return b.commit(c, messages.Event{Type: messages.CommentAdded, Comment: &cm, Task: &next, At: now},
		messages.Change{PutComments: []messages.Comment{cm}, PutTasks: []messages.Task{next}},
		messages.Result{Comment: &cm}, func() { b.st.replace(next) })
}

// comment reads a comment of the board's, if its task is still here.
func (b *board) comment(id string) (messages.Comment, error) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	cm, err := b.store.Comment(ctx, b.id, id)
	if err != nil {
		return cm, err
	}
	if _, _, ok := b.st.find(cm.TaskID); !ok {
		return cm, messages.NotFound("comment")
	}
	return cm, nil
}

func (b *board) updateComment(c messages.UpdateComment) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	cm, err := b.comment(c.CommentID)
	if err != nil {
		return messages.Result{}, err
	}
	if cm.AuthorID != c.UserID {
		return messages.Result{}, messages.Errorf(messages.CodeForbidden, "only its author may edit a comment")
	}
	if cm.Body == c.Body {
		return messages.Result{Comment: &cm, Seq: b.seq}, nil
	}
	cm.Body, cm.UpdatedAt = c.Body, b.now()
	return b.commit(c, messages.Event{Type: messages.CommentUpdated, Comment: &cm},
		messages.Change{PutComments: []messages.Comment{cm}}, messages.Result{Comment: &cm}, func() {})
}

func (b *board) deleteComment(c messages.DeleteComment) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleEditor); done {
		return res, err
	}
	cm, err := b.comment(c.CommentID)
	if err != nil {
		return messages.Result{}, err
	}
	if cm.AuthorID != c.UserID && b.st.members[c.UserID].Role != messages.RoleOwner {
		return messages.Result{}, messages.Errorf(messages.CodeForbidden, "only its author or a board owner may delete a comment")
	}
	t, _, _ := b.st.find(cm.TaskID)
	now := b.now()
	next := bump(t, now)
	next.CommentCount = max(next.CommentCount-1, 0)
	return b.commit(c, messages.Event{Type: messages.CommentDeleted, CommentID: cm.ID, TaskID: cm.TaskID, Task: &next, At: now},
		messages.Change{DeleteComments: []string{cm.ID}, PutTasks: []messages.Task{next}},
		messages.Result{}, func() { b.st.replace(next) })
}
