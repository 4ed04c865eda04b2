package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"
	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

// Account field limits.
const (
	MinPassword = 8   // characters
	MaxName     = 100 // characters, after trimming
	maxEmail    = 254 // RFC 5321 path limit
)

type userRow struct {
	bun.BaseModel `bun:"table:users"`

	ID           string `bun:"id,pk"`
	Email        string `bun:"email"`
	Name         string `bun:"name"`
	PasswordHash string `bun:"password_hash"`
	CreatedAt    int64  `bun:"created_at"`
}

func (r userRow) user() messages.User { return messages.User{ID: r.ID, Name: r.Name, Email: r.Email} }

func errBadLogin() error {
	return messages.Errorf(messages.CodeUnauthorized, "invalid email or password")
}

// Login checks an email (case-insensitive) and password and opens a session. An unknown email
// and a wrong password are the same unauthorized *messages.Error and take about the same
// time: an unknown email is checked against a dummy hash.
func (db *DB) Login(ctx context.Context, email, password string) (_ messages.Session, err error) {
	defer classify(&err)
	var row userRow
	err = sql.ErrNoRows // an address no user can have is looked up by nobody
	if email = strings.TrimSpace(email); messages.ValidText(email, false) && len(email) <= maxEmail {
		err = db.bun.NewSelect().Model(&row).Where("email = ?", email).Scan(ctx)
	}
	found := err == nil
	if errors.Is(err, sql.ErrNoRows) {
		row.PasswordHash, err = db.hasher.dummy, nil
	}
	if err != nil {
		return messages.Session{}, fmt.Errorf("login: %w", err)
	}
	ok, err := db.hasher.verify(ctx, row.PasswordHash, password)
	if err != nil {
		return messages.Session{}, fmt.Errorf("login %s: %w", row.ID, err)
	}
	if !ok || !found {
		return messages.Session{}, errBadLogin()
	}
	var s messages.Session
	err = db.write(ctx, func(tx bun.Tx) (err error) {
		s, err = db.openSession(ctx, tx, row.user())
		return err
	})
	if err != nil {
		return messages.Session{}, fmt.Errorf("login %s: %w", row.ID, err)
	}
	return s, nil
}

// Register creates a user with a generated id and opens a session. Malformed fields are a
// validation *messages.Error naming every bad field; a taken email (case-insensitive) is a
// conflict. Email and name are stored trimmed; the password is not trimmed.
func (db *DB) Register(ctx context.Context, email, name, password string) (_ messages.Session, err error) {
	defer classify(&err)
	email, name = strings.TrimSpace(email), strings.TrimSpace(name)
	if err := validateAccount(email, name, password); err != nil {
		return messages.Session{}, err
	}
	// Checked first to spare a slow hash; the unique index settles races below.
	exists, err := db.bun.NewSelect().Model((*userRow)(nil)).Where("email = ?", email).Exists(ctx)
	if err != nil {
		return messages.Session{}, fmt.Errorf("register: %w", err)
	}
	if exists {
		return messages.Session{}, errEmailTaken()
	}
	hash, err := db.hasher.hash(ctx, password)
	if err != nil {
		return messages.Session{}, fmt.Errorf("register: %w", err)
	}
	row := userRow{
		ID: "user_" + ulid.Make().String(), Email: email, Name: name,
		PasswordHash: hash, CreatedAt: millis(db.now()),
	}
	var s messages.Session
	err = db.write(ctx, func(tx bun.Tx) (err error) {
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return errEmailTaken()
			}
			return fmt.Errorf("insert user: %w", err)
		}
		s, err = db.openSession(ctx, tx, row.user())
		return err
	})
	if err != nil {
		return messages.Session{}, fmt.Errorf("register: %w", err)
	}
	return s, nil
}

// FindUser returns the user with userID or, when userID is empty, with email
// (case-insensitive, trimmed); messages.NotFound("user") when there is none.
func (db *DB) FindUser(ctx context.Context, userID, email string) (_ messages.User, err error) {
	defer classify(&err)
	if !messages.ValidText(userID, false) || !messages.ValidText(email, false) {
		return messages.User{}, messages.NotFound("user")
	}
	var row userRow
	q := db.bun.NewSelect().Model(&row)
	if userID != "" {
		q = q.Where("id = ?", userID)
	} else {
		q = q.Where("email = ?", strings.TrimSpace(email))
	}
	err = q.Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return messages.User{}, messages.NotFound("user")
	case err != nil:
		return messages.User{}, fmt.Errorf("find user: %w", err)
	}
	return row.user(), nil
}

// ChangePassword replaces a user's password after checking the current one, and ends every
// session of the user but keepSession (the token hash of the session making the change, if
// it is one). API tokens stay: they are separate credentials their owner lists and revokes.
// A wrong current password or a too short new one is a validation *messages.Error.
func (db *DB) ChangePassword(ctx context.Context, userID, keepSession, current, next string) (err error) {
	defer classify(&err)
	if utf8.RuneCountInString(next) < MinPassword {
		return messages.Errorf(messages.CodeValidation, "the new password must be at least %d characters", MinPassword).
			Field("newPassword", "length")
	}
	var row userRow
	if err := db.bun.NewSelect().Model(&row).Where("id = ?", userID).Scan(ctx); err != nil {
		return fmt.Errorf("change password of %s: %w", userID, err)
	}
	ok, err := db.hasher.verify(ctx, row.PasswordHash, current)
	if err != nil {
		return fmt.Errorf("change password of %s: %w", userID, err)
	}
	if !ok {
		return messages.Errorf(messages.CodeValidation, "the current password is wrong").Field("currentPassword", "incorrect")
	}
	hash, err := db.hasher.hash(ctx, next)
	if err != nil {
		return fmt.Errorf("change password of %s: %w", userID, err)
	}
	err = db.write(ctx, func(tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", hash, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", userID, keepSession); err != nil {
			return err
		}
		return db.recordRevocation(ctx, tx, messages.Revocation{UserID: userID, Keep: keepSession})
	})
	if err != nil {
		return fmt.Errorf("change password of %s: %w", userID, err)
	}
	db.revoked()
	return nil
}

func errEmailTaken() error {
	return messages.Errorf(messages.CodeConflict, "email is already registered").Field("email", "taken")
}

// validateAccount checks trimmed registration fields. The message is the first problem's;
// Fields names them all.
func validateAccount(email, name, password string) error {
	var e *messages.Error
	fail := func(field, reason, msg string) {
		if e == nil {
			e = messages.Errorf(messages.CodeValidation, "%s", msg)
		}
		e.Field(field, reason)
	}
	switch addr, err := mail.ParseAddress(email); {
	case email == "":
		fail("email", "required", "email is required")
	case err != nil || addr.Address != email || len(email) > maxEmail || !messages.ValidText(email, false):
		fail("email", "format", "email is not a valid address")
	}
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		fail("name", "required", "name is required")
	case n > MaxName:
		fail("name", "length", fmt.Sprintf("name must be 1 to %d characters", MaxName))
	case !messages.ValidText(name, false):
		fail("name", "control", "name must be text without control characters")
	}
	if utf8.RuneCountInString(password) < MinPassword {
		fail("password", "length", fmt.Sprintf("password must be at least %d characters", MinPassword))
	}
	if e == nil {
		return nil
	}
	return e
}
