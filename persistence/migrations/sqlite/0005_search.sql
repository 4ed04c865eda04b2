-- Schema version 5: full-text search of tasks (title, description, checklist text) and of
-- comments (body), for the q of GET /boards/{id}/tasks and GET /search.
--
-- FTS5 (taskboard is built with -tags sqlite_fts5) with external content: the index keeps
-- the words and their positions, the text stays in tasks and comments alone, so the
-- database does not hold every card twice. FTS5 rather than FTS4 for bm25 with weights per
-- column. The unicode61 tokenizer (the default) splits on what is not a letter or a digit,
-- folds case and diacritics, and stems nothing.
--
-- Each index holds the row's board too, as one token: 'b' and the hex of the board's id
-- (one run of letters and digits whatever the id). A search names its boards in the index's
-- query, so that it costs what those boards' matches cost, not every board's: the index
-- reads the board's rows through a view that adds the token.
--
-- The index knows a row by its rowid, which tasks and comments have implicitly (their key
-- is text). A rowid changes only when a row is deleted and inserted again, which the
-- triggers follow, or when the table is copied into a new one or VACUUMed: after either,
-- run INSERT INTO tasks_fts(tasks_fts) VALUES ('rebuild') and the same for comments_fts.
CREATE VIEW tasks_fts_content AS
	SELECT rowid, 'b' || hex(board_id) AS board, title, description, checklist_text FROM tasks;
CREATE VIEW comments_fts_content AS
	SELECT rowid, 'b' || hex(board_id) AS board, body FROM comments;
CREATE VIRTUAL TABLE tasks_fts USING fts5 (
	board, title, description, checklist_text,
	content = 'tasks_fts_content', content_rowid = 'rowid'
);
CREATE VIRTUAL TABLE comments_fts USING fts5 (
	board, body,
	content = 'comments_fts_content', content_rowid = 'rowid'
);
INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild');
INSERT INTO comments_fts (comments_fts) VALUES ('rebuild');

-- An external-content index is told of every change by its table's triggers: 'delete' with
-- the old values, then the new ones. A row's board never changes.
CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
	INSERT INTO tasks_fts (rowid, board, title, description, checklist_text)
		VALUES (NEW.rowid, 'b' || hex(NEW.board_id), NEW.title, NEW.description, NEW.checklist_text);
END;
CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
	INSERT INTO tasks_fts (tasks_fts, rowid, board, title, description, checklist_text)
		VALUES ('delete', OLD.rowid, 'b' || hex(OLD.board_id), OLD.title, OLD.description, OLD.checklist_text);
END;
-- The tasks upsert sets every column of every task it writes, and a move writes every
-- sibling it renumbers: "UPDATE OF title, ..." alone would reindex them all, on the hottest
-- write path, although their text did not change. WHEN reindexes a task only when its text
-- did.
CREATE TRIGGER tasks_fts_update AFTER UPDATE OF title, description, checklist_text ON tasks
WHEN OLD.title IS NOT NEW.title OR OLD.description IS NOT NEW.description
	OR OLD.checklist_text IS NOT NEW.checklist_text
BEGIN
	INSERT INTO tasks_fts (tasks_fts, rowid, board, title, description, checklist_text)
		VALUES ('delete', OLD.rowid, 'b' || hex(OLD.board_id), OLD.title, OLD.description, OLD.checklist_text);
	INSERT INTO tasks_fts (rowid, board, title, description, checklist_text)
		VALUES (NEW.rowid, 'b' || hex(NEW.board_id), NEW.title, NEW.description, NEW.checklist_text);
END;

-- Comments go with their task by a foreign key's cascade, which fires the delete trigger too.
CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
	INSERT INTO comments_fts (rowid, board, body) VALUES (NEW.rowid, 'b' || hex(NEW.board_id), NEW.body);
END;
CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
	INSERT INTO comments_fts (comments_fts, rowid, board, body)
		VALUES ('delete', OLD.rowid, 'b' || hex(OLD.board_id), OLD.body);
END;
CREATE TRIGGER comments_fts_update AFTER UPDATE OF body ON comments
WHEN OLD.body IS NOT NEW.body
BEGIN
	INSERT INTO comments_fts (comments_fts, rowid, board, body)
		VALUES ('delete', OLD.rowid, 'b' || hex(OLD.board_id), OLD.body);
	INSERT INTO comments_fts (rowid, board, body) VALUES (NEW.rowid, 'b' || hex(NEW.board_id), NEW.body);
END;
