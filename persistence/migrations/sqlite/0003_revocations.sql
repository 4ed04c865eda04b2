-- Schema version 3: the log of ended credentials, which every node sharing a database reads
-- to end its own connections that used them (one node alone needs no log, but keeps the same
-- schema). credential_id is a session's token hash or an API token's id; a row without one
-- ends every session of user_id except keep_id (a password change).
CREATE TABLE revocations (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	credential_id TEXT NOT NULL DEFAULT '',
	user_id       TEXT NOT NULL DEFAULT '',
	keep_id       TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL
);
