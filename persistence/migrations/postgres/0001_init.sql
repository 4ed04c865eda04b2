-- Schema version 1, as migrations/sqlite/0001_init.sql. Times are unix milliseconds (UTC);
-- ids are opaque text. citext makes email comparisons case-insensitive, as SQLite's NOCASE.

CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	email         CITEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    BIGINT NOT NULL
);

-- token_hash is the hex sha256 of the bearer token: the token itself is never stored.
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id, expires_at);

-- A deleted board keeps its row (deleted_at set) so that its id and seq are never reused.
-- The row is also every node's write lock of the board (SELECT ... FOR UPDATE).
CREATE TABLE boards (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	seq        BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	deleted_at BIGINT
);

CREATE TABLE board_members (
	board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role       TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'owner')),
	created_at BIGINT NOT NULL,
	PRIMARY KEY (board_id, user_id)
);
CREATE INDEX board_members_user ON board_members (user_id);

CREATE TABLE lists (
	id         TEXT PRIMARY KEY,
	board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	position   INTEGER NOT NULL CHECK (position >= 0),
	created_at BIGINT NOT NULL,
	UNIQUE (id, board_id)
);
CREATE INDEX lists_board_position ON lists (board_id, position);

CREATE TABLE tasks (
	id          TEXT PRIMARY KEY,
	board_id    TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	list_id     TEXT NOT NULL,
	title       TEXT NOT NULL,
	description TEXT,
	assignee_id TEXT,
	position    INTEGER NOT NULL CHECK (position >= 0),
	version     INTEGER NOT NULL,
	created_at  BIGINT NOT NULL,
	updated_at  BIGINT NOT NULL,
	FOREIGN KEY (list_id, board_id) REFERENCES lists (id, board_id) ON DELETE CASCADE
);
CREATE INDEX tasks_list_position ON tasks (list_id, position);
CREATE INDEX tasks_board ON tasks (board_id);

-- The log every node reads: payload is the complete event JSON as delivered to clients.
CREATE TABLE events (
	board_id           TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	seq                BIGINT NOT NULL,
	type               TEXT NOT NULL,
	payload            TEXT NOT NULL,
	actor_id           TEXT NOT NULL,
	request_id         TEXT NOT NULL DEFAULT '',
	client_mutation_id TEXT NOT NULL DEFAULT '',
	created_at         BIGINT NOT NULL,
	PRIMARY KEY (board_id, seq)
);

CREATE TABLE idempotency_keys (
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key        TEXT NOT NULL,
	board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	result     TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (user_id, key)
);
