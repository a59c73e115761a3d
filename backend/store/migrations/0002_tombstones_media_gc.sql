-- Hearth schema v2: seqs stay unique per chat id across a delete, and media
-- that no message uses any more can be found and removed.

-- A deleted chat's id can come back (a connection's default chat is created on
-- first use; an import keeps its id). Clients may still hold seqs of the old
-- chat, so a chat created under that id continues above its high-water mark.
CREATE TABLE chat_tombstones (
    id         TEXT    PRIMARY KEY NOT NULL,
    -- max(last_seq, seq_hwm) of the chat when it was deleted
    seq_hwm    INTEGER NOT NULL CHECK (seq_hwm >= 0),
    deleted_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- When these bytes were last uploaded or imported: an upload that no message
-- uses yet is kept for a grace period counted from here.
ALTER TABLE media ADD COLUMN stored_at INTEGER NOT NULL DEFAULT 0;
-- Uploads of these bytes not yet followed by a message using them. Deleting a
-- chat frees its media only when none is pending, so a composer holding the
-- same picture for another chat keeps it.
ALTER TABLE media ADD COLUMN pending INTEGER NOT NULL DEFAULT 0 CHECK (pending >= 0);

UPDATE media SET stored_at = created_at;
-- Unused media of a v1 database may be uploads about to be sent.
UPDATE media SET pending = 1
    WHERE NOT EXISTS (SELECT 1 FROM message_media WHERE media_id = media.id);

CREATE INDEX media_by_stored_at ON media (stored_at);

CREATE TRIGGER media_link AFTER INSERT ON message_media BEGIN
    UPDATE media SET pending = max(pending - 1, 0) WHERE id = new.media_id;
END;
