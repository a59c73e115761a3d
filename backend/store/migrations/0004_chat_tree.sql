-- Hearth schema v4: a chat is a tree of messages, and one path through it
-- (root to the chat's active leaf) is what clients and the model see. Every
-- message keeps its parent; editing or regenerating adds a sibling, so
-- nothing is ever overwritten.
--
-- The active path is kept materialised (messages.on_path) rather than
-- walked from the leaf on every read: a page of a 100,000-message chat is
-- one range of a partial index, and a branch switch only rewrites the part
-- of the path that changes.

-- 1 for the messages on the chat's active path.
ALTER TABLE messages ADD COLUMN on_path INTEGER NOT NULL DEFAULT 1 CHECK (on_path IN (0, 1));
-- 1 while a question waits behind the running turn: it has no parent yet
-- and is on no path; its turn opening places it under the active leaf.
ALTER TABLE messages ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0 CHECK (waiting IN (0, 1));

-- The last message of the active path (NULL: an empty chat). Kept by the
-- store, not by a foreign key: one would make every deleted message search
-- the chats table for rows naming it.
ALTER TABLE chats ADD COLUMN active_leaf INTEGER;
-- seq of the chat's last branch_switched event: a client resuming from
-- below it cannot patch what it holds and reloads the path.
ALTER TABLE chats ADD COLUMN branch_seq INTEGER NOT NULL DEFAULT 0 CHECK (branch_seq >= 0);
ALTER TABLE chats ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
-- The chat's sampling parameters, {temperature, top_p, context_length,
-- reasoning_effort}, each absent when the chat uses the default.
ALTER TABLE chats ADD COLUMN params TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params));
-- The preset last applied to the chat ('' for none), for the settings panel.
ALTER TABLE chats ADD COLUMN preset TEXT NOT NULL DEFAULT '';

-- Questions in a chat's stored queue (settings 'queue:<chat id>') wait.
UPDATE messages SET waiting = 1, on_path = 0 WHERE role = 'user' AND EXISTS (
    SELECT 1 FROM settings s, json_each(s.value) q
    WHERE s.key = 'queue:' || messages.chat_id AND json_valid(s.value)
      AND (json_extract(q.value, '$.user_seq') = messages.seq
           OR json_extract(q.value, '$.user_message_id') = messages.id));

-- Existing chats become single paths, in the order they were shown: each
-- message's parent is the message before it.
UPDATE messages SET parent_id = CASE WHEN waiting = 1 THEN NULL ELSE (SELECT p.id FROM messages p
    WHERE p.chat_id = messages.chat_id AND p.seq < messages.seq AND p.waiting = 0
    ORDER BY p.seq DESC LIMIT 1) END;
UPDATE chats SET active_leaf = (SELECT m.id FROM messages m
    WHERE m.chat_id = chats.id AND m.waiting = 0 ORDER BY m.seq DESC LIMIT 1);

-- History and replay read the active path in seq order.
CREATE INDEX messages_on_path ON messages (chat_id, seq) WHERE on_path = 1;
-- Siblings: the children of one parent, in the order they were made.
CREATE INDEX messages_by_chat_parent ON messages (chat_id, parent_id, seq);
-- The chat list without the archived chats, pinned first.
CREATE INDEX chats_by_archived ON chats (archived, pinned, updated_at, id);

-- Named system prompt + model + parameters, chosen for a new chat or applied
-- to one.
CREATE TABLE presets (
    name       TEXT    PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    system     TEXT    NOT NULL DEFAULT '',
    model      TEXT    NOT NULL DEFAULT '',
    params     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
