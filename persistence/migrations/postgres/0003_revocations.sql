-- Schema version 3, as migrations/sqlite/0003_revocations.sql: the log of ended credentials,
-- which every node reads (after a NOTIFY on taskboard_revoked, and every second) to end its
-- own connections that used them. credential_id is a session's token hash or an API token's
-- id; a row without one ends every session of user_id except keep_id (a password change).
CREATE TABLE revocations (
	seq           BIGSERIAL PRIMARY KEY,
	credential_id TEXT NOT NULL DEFAULT '',
	user_id       TEXT NOT NULL DEFAULT '',
	keep_id       TEXT NOT NULL DEFAULT '',
	created_at    BIGINT NOT NULL
);
