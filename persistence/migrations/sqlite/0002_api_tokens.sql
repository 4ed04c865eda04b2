-- Schema version 2: personal API tokens. Like sessions, only the hex sha256 of the secret is
-- stored; id is what the owner lists and revokes them by.
CREATE TABLE api_tokens (
	id         TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	scope      TEXT NOT NULL CHECK (scope IN ('read-only', 'read-write')),
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
