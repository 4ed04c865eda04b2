-- Schema version 4: what a card holds (see the SQLite migration of the same number for why).
-- assignee_ids, label_ids and checklist are JSON arrays kept as text, read and written whole
-- with the task, as on SQLite; an archived task outlives its list.
ALTER TABLE tasks DROP CONSTRAINT tasks_list_id_board_id_fkey;
ALTER TABLE tasks
	ADD COLUMN assignee_ids   TEXT NOT NULL DEFAULT '[]',
	ADD COLUMN label_ids      TEXT NOT NULL DEFAULT '[]',
	ADD COLUMN due_at         BIGINT,
	ADD COLUMN checklist      TEXT NOT NULL DEFAULT '[]',
	ADD COLUMN checklist_text TEXT NOT NULL DEFAULT '',
	ADD COLUMN comment_count  INTEGER NOT NULL DEFAULT 0,
	ADD COLUMN archived_at    BIGINT;
UPDATE tasks SET assignee_ids = json_build_array(assignee_id)::text WHERE assignee_id IS NOT NULL;
ALTER TABLE tasks DROP COLUMN assignee_id;

CREATE TABLE labels (
	id         TEXT PRIMARY KEY,
	board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	color      TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX labels_board ON labels (board_id, created_at);

CREATE TABLE comments (
	id         TEXT PRIMARY KEY,
	board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	task_id    TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
	author_id  TEXT NOT NULL,
	body       TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX comments_task ON comments (task_id, created_at, id);

ALTER TABLE events ADD COLUMN task_id TEXT;
CREATE INDEX events_task ON events (task_id, seq) WHERE task_id IS NOT NULL;

-- What the foreign key to lists kept, for the tasks that have a list: a live task is on a
-- list of its own board.
CREATE FUNCTION tasks_live_on_board_list() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.archived_at IS NULL AND NOT EXISTS (
		SELECT 1 FROM lists WHERE id = NEW.list_id AND board_id = NEW.board_id) THEN
		RAISE EXCEPTION 'a live task must be on a list of its board' USING ERRCODE = 'foreign_key_violation';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER tasks_live_on_board_list BEFORE INSERT OR UPDATE OF list_id, archived_at ON tasks
	FOR EACH ROW EXECUTE FUNCTION tasks_live_on_board_list();
