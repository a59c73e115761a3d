-- Hearth schema v5: answers that call tools. A turn's tool events
-- (tool_call, approval_request, approval_resolved, tool_result) are kept
-- beside its assistant message, each under the seq it was sent with, so a
-- replay sends them in order with the rest of the turn and the model sees
-- earlier calls and results in the next turn's history.

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
CREATE INDEX message_events_by_message ON message_events (message_id, seq);

-- Tools the user allowed for good ("always"): no approval is asked again
-- until the grant is revoked in the settings.
CREATE TABLE tool_grants (
    server     TEXT    NOT NULL,
    tool       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (server, tool)
) WITHOUT ROWID;

-- Tools the user allowed for one chat ("chat").
CREATE TABLE chat_tool_grants (
    chat_id    TEXT    NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    server     TEXT    NOT NULL,
    tool       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, server, tool)
) WITHOUT ROWID;

-- MCP servers switched off for the chat (a JSON array of names).
ALTER TABLE chats ADD COLUMN tools_off TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tools_off));
