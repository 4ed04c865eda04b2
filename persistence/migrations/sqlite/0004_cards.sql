-- Schema version 4: what a card holds. The tasks table is rebuilt, as SQLite alters no
-- constraint in place:
--   - assignee_id becomes assignee_ids, a JSON array of user ids (the first is the v1
--     assigneeId); label_ids and checklist are JSON arrays too, read and written whole with
--     the task. checklist_text is the items' text, one per line, for search.
--   - an archived task (archived_at set) keeps its row, its comments and its list_id, and
--     outlives its list, so that restoring it into a deleted list is refused rather than
--     impossible: tasks no longer reference lists, and deleting a list deletes its live
--     tasks explicitly.
CREATE TABLE tasks_v4 (
	id             TEXT PRIMARY KEY,
	board_id       TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	list_id        TEXT NOT NULL,
	title          TEXT NOT NULL,
	description    TEXT,
	assignee_ids   TEXT NOT NULL DEFAULT '[]',
	label_ids      TEXT NOT NULL DEFAULT '[]',
	due_at         INTEGER,
	checklist      TEXT NOT NULL DEFAULT '[]',
	checklist_text TEXT NOT NULL DEFAULT '',
	comment_count  INTEGER NOT NULL DEFAULT 0,
	archived_at    INTEGER,
	position       INTEGER NOT NULL CHECK (position >= 0),
	version        INTEGER NOT NULL,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
);
INSERT INTO tasks_v4 (id, board_id, list_id, title, description, assignee_ids, position, version, created_at, updated_at)
	SELECT id, board_id, list_id, title, description,
		CASE WHEN assignee_id IS NULL THEN '[]' ELSE json_array(assignee_id) END,
		position, version, created_at, updated_at
	FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_v4 RENAME TO tasks;
CREATE INDEX tasks_list_position ON tasks (list_id, position);
CREATE INDEX tasks_board ON tasks (board_id);

-- A board's labels, in the order they were made.
CREATE TABLE labels (
	id         TEXT PRIMARY KEY,
	board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	color      TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX labels_board ON labels (board_id, created_at);

-- A task's comments, as written (Markdown); they go with their task.
CREATE TABLE comments (
	id         TEXT PRIMARY KEY,
	board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
	task_id    TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
	author_id  TEXT NOT NULL,
	body       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX comments_task ON comments (task_id, created_at, id);

-- The task an event is about, if one, for a task's activity.
ALTER TABLE events ADD COLUMN task_id TEXT;
CREATE INDEX events_task ON events (task_id, seq) WHERE task_id IS NOT NULL;

-- What the foreign key to lists kept, for the tasks that have a list: a live task is on a
-- list of its own board.
CREATE TRIGGER tasks_live_on_board_list_insert BEFORE INSERT ON tasks
WHEN NEW.archived_at IS NULL
	AND NOT EXISTS (SELECT 1 FROM lists WHERE id = NEW.list_id AND board_id = NEW.board_id)
BEGIN
	SELECT RAISE(ABORT, 'a live task must be on a list of its board');
END;
CREATE TRIGGER tasks_live_on_board_list_update BEFORE UPDATE OF list_id, archived_at ON tasks
WHEN NEW.archived_at IS NULL
	AND NOT EXISTS (SELECT 1 FROM lists WHERE id = NEW.list_id AND board_id = NEW.board_id)
BEGIN
	SELECT RAISE(ABORT, 'a live task must be on a list of its board');
END;
