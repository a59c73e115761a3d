-- user_version = 6
-- application_id = 1213355080
CREATE INDEX chats_by_archived ON chats (archived, pinned, updated_at, id);
CREATE INDEX chats_by_updated ON chats (updated_at, id);
CREATE INDEX media_by_stored_at ON media (stored_at);
CREATE INDEX message_events_by_message ON message_events (message_id, seq);
CREATE INDEX message_media_by_media ON message_media (media_id);
CREATE INDEX messages_by_chat_parent ON messages (chat_id, parent_id, seq);
CREATE INDEX messages_by_end_seq ON messages (chat_id, end_seq);
CREATE INDEX messages_by_parent ON messages (parent_id);
CREATE INDEX messages_on_path ON messages (chat_id, seq) WHERE on_path = 1;
CREATE INDEX messages_streaming ON messages (chat_id, seq) WHERE status = 'streaming';
-- index sqlite_autoindex_chats_1 on chats (implicit)
-- index sqlite_autoindex_media_1 on media (implicit)
-- index sqlite_autoindex_messages_1 on messages (implicit)
-- index sqlite_autoindex_presets_1 on presets (implicit)
CREATE TABLE chat_tombstones (
    id         TEXT    PRIMARY KEY NOT NULL,
    -- max(last_seq, seq_hwm) of the chat when it was deleted
    seq_hwm    INTEGER NOT NULL CHECK (seq_hwm >= 0),
    deleted_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE chat_tool_grants (
    chat_id    TEXT    NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    server     TEXT    NOT NULL,
    tool       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, server, tool)
) WITHOUT ROWID;
CREATE TABLE chats (
    id            TEXT    PRIMARY KEY NOT NULL
                  CHECK (length(id) BETWEEN 1 AND 64 AND id NOT GLOB '*[^A-Za-z0-9_:-]*'),
    title         TEXT    NOT NULL DEFAULT '',
    model         TEXT    NOT NULL DEFAULT '',
    system        TEXT    NOT NULL DEFAULT '',
    pinned        INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    -- highest seq whose event is committed here
    last_seq      INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    -- highest seq that may ever have been handed out (never lowered, never reused)
    seq_hwm       INTEGER NOT NULL DEFAULT 0 CHECK (seq_hwm >= last_seq),
    -- kept by triggers on messages so listing chats never counts rows
    message_count INTEGER NOT NULL DEFAULT 0
, active_leaf INTEGER, branch_seq INTEGER NOT NULL DEFAULT 0 CHECK (branch_seq >= 0), archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)), params TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)), preset TEXT NOT NULL DEFAULT '', tools_off TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tools_off)), agent TEXT NOT NULL DEFAULT '') STRICT;
CREATE TABLE media (
    id         TEXT    PRIMARY KEY NOT NULL
               CHECK (length(id) = 64 AND id NOT GLOB '*[^0-9a-f]*'),
    mime       TEXT    NOT NULL,
    size       INTEGER NOT NULL CHECK (size >= 0),
    name       TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
, stored_at INTEGER NOT NULL DEFAULT 0, pending INTEGER NOT NULL DEFAULT 0 CHECK (pending >= 0)) STRICT;
CREATE TABLE message_events (
    chat_id    TEXT    NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq > 0),
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('tool_call', 'approval_request', 'approval_resolved', 'tool_result')),
    call_id    TEXT    NOT NULL,
    -- step: which model request of the turn made the call (0, 1, …);
    -- at: bytes of the answer's text written before it. Together they
    -- rebuild the exchange the model had: text, calls, results, text.
    step       INTEGER NOT NULL DEFAULT 0 CHECK (step >= 0),
    at         INTEGER NOT NULL DEFAULT 0 CHECK (at >= 0),
    data       TEXT    NOT NULL CHECK (json_valid(data)),
    PRIMARY KEY (chat_id, seq)
) WITHOUT ROWID;
CREATE TABLE message_media (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    -- no cascade: media still referenced by a message cannot be dropped
    media_id   TEXT    NOT NULL REFERENCES media (id),
    position   INTEGER NOT NULL CHECK (position >= 0),
    PRIMARY KEY (message_id, position)
) STRICT, WITHOUT ROWID;
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
CREATE TABLE messages (
    id                   INTEGER PRIMARY KEY,
    chat_id              TEXT    NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    -- seq of the creating event (user_message or turn_start)
    seq                  INTEGER NOT NULL CHECK (seq > 0),
    turn_id              TEXT    NOT NULL DEFAULT '',
    role                 TEXT    NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content              TEXT    NOT NULL DEFAULT '',
    reasoning            TEXT    NOT NULL DEFAULT '',
    reasoning_started_at INTEGER,
    reasoning_ended_at   INTEGER,
    model                TEXT    NOT NULL DEFAULT '',
    status               TEXT    NOT NULL
                         CHECK (status IN ('streaming', 'done', 'cancelled', 'error', 'interrupted')),
    error                TEXT    NOT NULL DEFAULT '',
    usage                TEXT    CHECK (usage IS NULL OR json_valid(usage)),
    parent_id            INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    latency_ms           INTEGER NOT NULL DEFAULT 0,
    reasoning_end_seq    INTEGER NOT NULL DEFAULT 0,
    stream_end_seq       INTEGER NOT NULL DEFAULT 0,
    -- seq of the last event of this message; equals seq while streaming
    end_seq              INTEGER NOT NULL CHECK (end_seq >= seq),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL, parts INTEGER NOT NULL DEFAULT 0 CHECK (parts >= 0), on_path INTEGER NOT NULL DEFAULT 1 CHECK (on_path IN (0, 1)), waiting INTEGER NOT NULL DEFAULT 0 CHECK (waiting IN (0, 1)),
    UNIQUE (chat_id, seq)
) STRICT;
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    content,
    reasoning,
    content = 'messages_searchable',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE 'messages_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;
CREATE TABLE 'messages_fts_data'(id INTEGER PRIMARY KEY, block BLOB);
CREATE TABLE 'messages_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);
CREATE TABLE 'messages_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;
CREATE TABLE presets (
    name       TEXT    PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    system     TEXT    NOT NULL DEFAULT '',
    model      TEXT    NOT NULL DEFAULT '',
    params     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE tool_grants (
    server     TEXT    NOT NULL,
    tool       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (server, tool)
) WITHOUT ROWID;
CREATE TRIGGER media_link AFTER INSERT ON message_media BEGIN
    UPDATE media SET pending = max(pending - 1, 0) WHERE id = new.media_id;
END;
CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
    UPDATE chats SET message_count = message_count - 1 WHERE id = old.chat_id;
END;
CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
    UPDATE chats SET message_count = message_count + 1 WHERE id = new.chat_id;
END;
CREATE TRIGGER messages_fts_delete BEFORE DELETE ON messages
WHEN old.status <> 'streaming' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
    SELECT 'delete', id, content, reasoning FROM messages_searchable WHERE id = old.id;
END;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
WHEN new.status <> 'streaming' BEGIN
    INSERT INTO messages_fts (rowid, content, reasoning)
    VALUES (new.id, new.content, new.reasoning);
END;
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
CREATE VIEW messages_searchable AS
    SELECT m.id,
        m.content || CASE WHEN m.parts > 0 THEN coalesce((SELECT group_concat(p.content, '' ORDER BY p.part)
            FROM message_parts p WHERE p.message_id = m.id), '') ELSE '' END AS content,
        m.reasoning || CASE WHEN m.parts > 0 THEN coalesce((SELECT group_concat(p.reasoning, '' ORDER BY p.part)
            FROM message_parts p WHERE p.message_id = m.id), '') ELSE '' END AS reasoning
    FROM messages m WHERE m.status <> 'streaming';
