-- Schema version 5: full-text search of tasks (title, description, checklist text) and of
-- comments (body), for the q of GET /boards/{id}/tasks and GET /search. The 'simple'
-- configuration folds case and stems nothing, as SQLite's unicode61 tokenizer does, so that
-- both backends find the same words (but for diacritics, which unicode61 folds too: "cafe"
-- finds "café" on SQLite alone). Title weighs A, description B, checklist C and comments D
-- (the default), which ts_rank weighs 1.0, 0.4, 0.2 and 0.1.

-- A task's words live in a table of their own, written by triggers, rather than in a
-- generated column of tasks: Postgres computes a stored generated column again on every
-- update of the row, and the tasks upsert rewrites every sibling a move renumbers, so a
-- generated column would parse every renumbered task's text on the hottest write path and
-- widen every tuple it rewrites. Here the update trigger's WHEN skips a task whose text did
-- not change, and a renumbering writes the narrow tasks row alone. archived is the task's,
-- so that a search across boards, which leaves archived tasks out, reads no task row to
-- know it.
CREATE TABLE task_search (
	task_id  TEXT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
	board_id TEXT NOT NULL,
	archived BOOLEAN NOT NULL,
	doc      tsvector NOT NULL
);
-- Without fastupdate: GIN's pending list, unordered, is read whole by every search until
-- vacuum merges it, and the planner then prefers a scan of the table, so that a search after
-- a few thousand new tasks took tens of ms instead of a fraction of one. The trigger's WHEN
-- keeps the index off the renumbering writes; a new task or new text updates it at once.
CREATE INDEX task_search_doc ON task_search USING gin (doc) WITH (fastupdate = off);
-- A small board's tasks are found by board, then checked, rather than among every board's
-- matches of a common word.
CREATE INDEX task_search_board ON task_search (board_id);

-- search_words is text as the index reads it: its ASCII punctuation blanked out, so that
-- the parser splits "example.com", "a@b.org", "v1.2" or "foo_bar" into the words SQLite's
-- tokenizer sees, and that a query's words (persistence/search.go) find them.
CREATE FUNCTION search_words(text TEXT) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT to_tsvector('simple', translate(text, '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~', repeat(' ', 32)))
$$;

CREATE FUNCTION task_search_doc(title TEXT, description TEXT, checklist TEXT) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT setweight(search_words(title), 'A') ||
		setweight(coalesce(search_words(description), ''), 'B') ||
		setweight(search_words(checklist), 'C')
$$;

CREATE FUNCTION task_search_put() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO task_search (task_id, board_id, archived, doc)
		VALUES (NEW.id, NEW.board_id, NEW.archived_at IS NOT NULL,
			task_search_doc(NEW.title, NEW.description, NEW.checklist_text))
		ON CONFLICT (task_id) DO UPDATE SET archived = excluded.archived, doc = excluded.doc;
	RETURN NULL;
END $$;
CREATE TRIGGER task_search_insert AFTER INSERT ON tasks
	FOR EACH ROW EXECUTE FUNCTION task_search_put();
CREATE TRIGGER task_search_update AFTER UPDATE OF title, description, checklist_text, archived_at ON tasks
	FOR EACH ROW
	WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description
		OR OLD.checklist_text IS DISTINCT FROM NEW.checklist_text
		OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL))
	EXECUTE FUNCTION task_search_put();

INSERT INTO task_search (task_id, board_id, archived, doc)
	SELECT id, board_id, archived_at IS NOT NULL, task_search_doc(title, description, checklist_text) FROM tasks;

-- A comment's row is written only when its body changes, so a generated column costs
-- nothing more than the index needs.
ALTER TABLE comments ADD COLUMN search tsvector
	GENERATED ALWAYS AS (search_words(body)) STORED;
CREATE INDEX comments_search ON comments USING gin (search) WITH (fastupdate = off);
CREATE INDEX comments_board ON comments (board_id);
