-- Hearth schema v3: a streaming answer is checkpointed by appending only what
-- is new since the last checkpoint, and those parts stay its text: what a
-- checkpoint writes does not grow with the answer (one small row, about one
-- page, at a reading pace), and the text is written once, not once in parts
-- and again whole at the end.

-- WITHOUT ROWID, so an append touches one b-tree.
CREATE TABLE message_parts (
    message_id           INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    part                 INTEGER NOT NULL CHECK (part >= 0),
    content              TEXT    NOT NULL DEFAULT '',
    reasoning            TEXT    NOT NULL DEFAULT '',
    -- the reasoning's times as known at this checkpoint; the last part wins
    reasoning_started_at INTEGER,
    reasoning_ended_at   INTEGER,
    PRIMARY KEY (message_id, part)
) STRICT, WITHOUT ROWID;

-- How many parts a finished message has: its text is content followed by
-- its parts' content in order (reasoning likewise). 0 for every message that
-- was not checkpointed. Set by the final write, so a checkpoint never
-- touches the messages table. A streaming row's parts are read regardless.
ALTER TABLE messages ADD COLUMN parts INTEGER NOT NULL DEFAULT 0 CHECK (parts >= 0);

-- The search index sees a message's whole text. The view is the index's
-- external content (snippets, 'rebuild', 'integrity-check' read it) and the
-- triggers feed the index from it, so the two never disagree.
DROP VIEW messages_searchable;
CREATE VIEW messages_searchable AS
    SELECT m.id,
        m.content || CASE WHEN m.parts > 0 THEN coalesce((SELECT group_concat(p.content, '' ORDER BY p.part)
            FROM message_parts p WHERE p.message_id = m.id), '') ELSE '' END AS content,
        m.reasoning || CASE WHEN m.parts > 0 THEN coalesce((SELECT group_concat(p.reasoning, '' ORDER BY p.part)
            FROM message_parts p WHERE p.message_id = m.id), '') ELSE '' END AS reasoning
    FROM messages m WHERE m.status <> 'streaming';

-- Before the delete, while the parts (removed by the cascade) are still there.
DROP TRIGGER messages_fts_delete;
CREATE TRIGGER messages_fts_delete BEFORE DELETE ON messages
WHEN old.status <> 'streaming' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
    SELECT 'delete', id, content, reasoning FROM messages_searchable WHERE id = old.id;
END;

-- Parts are only ever added before the final write of a streaming row, so
-- an indexed (finished) row's parts are the same before and after an update.
-- A row that becomes finished with parts is indexed by the store itself,
-- from the text it already holds (FinishAssistant), or here from the view
-- when it has not (start-up recovery): joining a long answer inside SQLite
-- on every final write would cost memory for nothing.
DROP TRIGGER messages_fts_update;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning, status, parts ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
    SELECT 'delete', old.id,
        old.content || CASE WHEN old.parts > 0 THEN coalesce((SELECT group_concat(p.content, '' ORDER BY p.part)
            FROM message_parts p WHERE p.message_id = old.id), '') ELSE '' END,
        old.reasoning || CASE WHEN old.parts > 0 THEN coalesce((SELECT group_concat(p.reasoning, '' ORDER BY p.part)
            FROM message_parts p WHERE p.message_id = old.id), '') ELSE '' END
    WHERE old.status <> 'streaming';
    INSERT INTO messages_fts (rowid, content, reasoning)
    SELECT new.id, new.content, new.reasoning WHERE new.status <> 'streaming' AND new.parts = 0;
END;
