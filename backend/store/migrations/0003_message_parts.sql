-- Hearth schema v3: a streaming answer is checkpointed by appending only what
-- is new since the last checkpoint, so what a checkpoint writes does not grow
-- with the answer: one small row, about one page, at a reading pace.

-- Parts exist only while their message streams: the final write moves the
-- whole text into messages and drops them; start-up recovery does the same
-- for a turn cut by a crash. WITHOUT ROWID, so an append touches one b-tree.
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
