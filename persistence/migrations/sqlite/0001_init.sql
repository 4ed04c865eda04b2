-- Schema version 1. Times are unix milliseconds (UTC); ids are opaque text.

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);

-- token_hash is the hex sha256 of the bearer token: the token itself is never stored.
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id, expires_at);

-- A deleted board keeps its row (deleted_at set) so that its id and seq are never reused.
CREATE TABLE boards (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	seq        INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	deleted_at INTEGER
);

CREATE TABLE board_members (
	board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role       TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'owner')),
	created_at INTEGER NOT NULL,
	PRIMARY KEY (board_id, user_id)
) WITHOUT ROWID;
CREATE INDEX board_members_user ON board_members (user_id);

-- UNIQUE (id, board_id) is the parent key of tasks (list_id, board_id): a task's list is
-- always on the task's board.
CREATE TABLE lists (
	id         TEXT PRIMARY KEY,
	board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	position   INTEGER NOT NULL CHECK (position >= 0),
	created_at INTEGER NOT NULL,
	UNIQUE (id, board_id)
);
CREATE INDEX lists_board_position ON lists (board_id, position);

-- (list_id, position) is not unique: positions are renumbered row by row in a transaction.
CREATE TABLE tasks (
	id          TEXT PRIMARY KEY,
	board_id    TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	list_id     TEXT NOT NULL,
	title       TEXT NOT NULL,
	description TEXT,
	assignee_id TEXT,
	position    INTEGER NOT NULL CHECK (position >= 0),
	version     INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	FOREIGN KEY (list_id, board_id) REFERENCES lists (id, board_id) ON DELETE CASCADE
);
CREATE INDEX tasks_list_position ON tasks (list_id, position);
CREATE INDEX tasks_board ON tasks (board_id);

-- payload is the complete event JSON as delivered to clients. A rowid table rather than
-- WITHOUT ROWID: payloads are often larger than WITHOUT ROWID suits.
CREATE TABLE events (
	board_id           TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	seq                INTEGER NOT NULL,
	type               TEXT NOT NULL,
	payload            TEXT NOT NULL,
	actor_id           TEXT NOT NULL,
	request_id         TEXT NOT NULL DEFAULT '',
	client_mutation_id TEXT NOT NULL DEFAULT '',
	created_at         INTEGER NOT NULL,
	PRIMARY KEY (board_id, seq)
);

-- result is the JSON of the first answer to a user's mutation id.
CREATE TABLE idempotency_keys (
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key        TEXT NOT NULL,
	board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	result     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, key)
);
