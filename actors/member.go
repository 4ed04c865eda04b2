package actors

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/taskboard/taskboard/messages"
)

// memberList returns the members with owners first, then editors, then viewers, each by name.
func (s *state) memberList() []messages.Member {
	rank := map[messages.Role]int{messages.RoleOwner: 0, messages.RoleEditor: 1, messages.RoleViewer: 2}
	out := make([]messages.Member, 0, len(s.members))
	for _, m := range s.members {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b messages.Member) int {
		return cmp.Or(cmp.Compare(rank[a.Role], rank[b.Role]), cmp.Compare(a.Name, b.Name), cmp.Compare(a.UserID, b.UserID))
	})
	return out
}

// lastOwner reports whether userID is the board's only owner.
func (s *state) lastOwner(userID string) bool {
	if s.members[userID].Role != messages.RoleOwner {
		return false
	}
	for id, m := range s.members {
		if id != userID && m.Role == messages.RoleOwner {
			return false
		}
	}
	return true
}

func errLastOwner() error {
	return messages.Errorf(messages.CodeConflict, "a board needs an owner: make someone else owner first")
}

func (b *board) listMembers(c messages.ListMembers) (messages.Result, error) {
	if _, err := b.authorize(c.UserID, messages.RoleViewer); err != nil {
		return messages.Result{}, err
	}
	return messages.Result{Members: b.st.memberList(), Seq: b.seq}, nil
}

func (b *board) addMember(c messages.AddMember) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleOwner); done {
		return res, err
	}
	u, err := b.findUser(c)
	if err != nil {
		return messages.Result{}, err
	}
	if _, ok := b.st.members[u.ID]; ok {
		return messages.Result{}, messages.Errorf(messages.CodeConflict, "%s is already a member; change the role instead", u.Name)
	}
	if len(b.st.members) >= b.opts.MaxMembers {
		return messages.Result{}, overQuota("members", b.opts.MaxMembers)
	}
	m := messages.Member{UserID: u.ID, Name: u.Name, Email: u.Email, Role: c.Role}
	return b.commit(c, messages.Event{Type: messages.MemberAdded, Member: &m},
		messages.Change{PutMembers: []messages.Member{m}}, messages.Result{Member: &m},
		func() { b.st.members[m.UserID] = m })
}

// findUser looks up the user an AddMember names. An unknown user is a validation error on the
// field that named it.
func (b *board) findUser(c messages.AddMember) (messages.User, error) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	id, email := strings.TrimSpace(c.UserID), strings.TrimSpace(c.Email)
	u, err := b.store.FindUser(ctx, id, email)
	switch {
	case messages.ErrorCode(err) == messages.CodeNotFound:
		field := "userId"
		if id == "" {
			field = "email"
		}
		return u, messages.Errorf(messages.CodeValidation, "no user with this %s", field).Field(field, "not_found")
	case err != nil:
		b.log.Error().Err(err).Str("req", c.RequestID).Msg("find user")
		return u, unavailable(err)
	}
	return u, nil
}

func (b *board) updateMember(c messages.UpdateMember) (messages.Result, error) {
	if res, done, err := b.admit(c, messages.RoleOwner); done {
		return res, err
	}
	m, ok := b.st.members[c.UserID]
	if !ok {
		return messages.Result{}, messages.NotFound("member")
	}
	if m.Role == c.Role {
		return messages.Result{Member: &m, Seq: b.seq}, nil
	}
	if b.st.lastOwner(m.UserID) {
		return messages.Result{}, errLastOwner()
	}
	m.Role = c.Role
	return b.commit(c, messages.Event{Type: messages.MemberAdded, Member: &m},
		messages.Change{PutMembers: []messages.Member{m}}, messages.Result{Member: &m},
		func() { b.st.members[m.UserID] = m })
}

func (b *board) removeMember(c messages.RemoveMember) (messages.Result, error) {
	need := messages.RoleOwner
	if c.UserID == c.Meta.UserID {
		need = messages.RoleViewer // leaving
	}
	if res, done, err := b.admit(c, need); done {
		return res, err
	}
	if _, ok := b.st.members[c.UserID]; !ok {
		return messages.Result{}, messages.NotFound("member")
	}
	if b.st.lastOwner(c.UserID) {
		return messages.Result{}, errLastOwner()
	}
	res, err := b.commit(c, messages.Event{Type: messages.MemberRemoved, UserID: c.UserID},
		messages.Change{DeleteMembers: []string{c.UserID}}, messages.Result{},
		func() { delete(b.st.members, c.UserID) })
	if err == nil {
		// After the member_removed event, so that the removed user's clients learn why.
		b.afterCommit(func() { b.endUser(c.UserID, messages.EndRevoked) })
	}
	return res, err
}
