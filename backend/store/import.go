package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/hearth-app/hearth/backend/ids"
)

// ImportTree places the messages of an import in the chat's tree. Parents[i]
// is the index in the imported slice of message i's parent (-1: a root);
// ActiveLeaf is the index of the last message of the active path (-1 only
// when there are no messages). A parent always comes before its children, so
// numbering the messages in slice order gives every child a seq above its
// parent's.
type ImportTree struct {
	Parents    []int
	ActiveLeaf int
}

// LinearTree is the tree of n messages that form one path: each message's
// parent is the one before it and the last is the active leaf (a chat
// exported before chats had branches).
func LinearTree(n int) ImportTree {
	t := ImportTree{Parents: make([]int, n), ActiveLeaf: n - 1}
	for i := range t.Parents {
		t.Parents[i] = i - 1
	}
	return t
}

// Check reports the first way t does not place n messages (ErrInvalid).
func (t ImportTree) Check(n int) error {
	if len(t.Parents) != n {
		return fmt.Errorf("%w: %d parents for %d messages", ErrInvalid, len(t.Parents), n)
	}
	for i, p := range t.Parents {
		if p < -1 || p >= i {
			return fmt.Errorf("%w: message %d: its parent must be an earlier message (index below %d) or none, not %d", ErrInvalid, i, i, p)
		}
	}
	switch {
	case n == 0 && t.ActiveLeaf != -1:
		return fmt.Errorf("%w: active leaf %d in a chat with no messages", ErrInvalid, t.ActiveLeaf)
	case n > 0 && (t.ActiveLeaf < 0 || t.ActiveLeaf >= n):
		return fmt.Errorf("%w: the active leaf must be one of the %d messages (index 0 to %d), not %d", ErrInvalid, n, n-1, t.ActiveLeaf)
	}
	return nil
}

// path marks the messages on the path from a root to the active leaf.
func (t ImportTree) path() []bool {
	on := make([]bool, len(t.Parents))
	for i := t.ActiveLeaf; i >= 0; i = t.Parents[i] {
		on[i] = true
	}
	return on
}

// ImportChat stores msgs as one path (LinearTree); see ImportChatTree.
func (s *Store) ImportChat(ctx context.Context, c Chat, msgs []Message) (Chat, error) {
	return s.ImportChatTree(ctx, c, msgs, LinearTree(len(msgs)))
}

// ImportChatTree stores a chat from an export as a new chat, its messages
// placed by tree (their ID and ParentID are ignored). The chat keeps its ID
// unless that is invalid or taken, then a fresh one is generated. Messages
// keep their slice order and are renumbered from seq 1, or from above the
// seqs of a deleted chat that had the ID (see importSeqs), since the original
// event stream is not part of an export; a row exported mid-stream becomes
// 'interrupted', and nothing is waiting for a turn. An answer's Events (its
// tool calls, rebuilt from the file) are stored in their order, each frame
// given the new chat id, a seq between the answer's start and its end, and
// the answer's turn id (a fresh one when TurnID is empty). The chat keeps its
// pinned and archived flags, params, preset, CreatedAt and UpdatedAt (now
// when zero), so export → import → export reads the same. Media must
// already be stored (ErrMissingMedia).
func (s *Store) ImportChatTree(ctx context.Context, c Chat, msgs []Message, tree ImportTree) (Chat, error) {
	if err := tree.Check(len(msgs)); err != nil {
		return Chat{}, fmt.Errorf("import chat: %w", err)
	}
	for i, m := range msgs {
		switch m.Role {
		case RoleUser, RoleAssistant, RoleSystem:
		default:
			return Chat{}, fmt.Errorf("import chat: %w: message %d has role %q", ErrInvalid, i, m.Role)
		}
		switch m.Status {
		case "", StatusStreaming, StatusDone, StatusCancelled, StatusError, StatusInterrupted:
		default:
			return Chat{}, fmt.Errorf("import chat: %w: message %d has status %q", ErrInvalid, i, m.Status)
		}
		if err := checkImportEvents(m); err != nil {
			return Chat{}, fmt.Errorf("import chat: %w: message %d: %v", ErrInvalid, i, err)
		}
	}
	params, err := json.Marshal(c.Params)
	if err != nil {
		return Chat{}, fmt.Errorf("import chat: encode params: %w", err)
	}
	onPath := tree.path()
	var out Chat
	err = s.write(ctx, func(tx *sql.Tx) error {
		now := s.nowMS()
		nc := NewChat{ID: c.ID, Title: c.Title, Model: c.Model, System: c.System}
		if !ids.ValidChat(nc.ID) || ids.IsTemporary(nc.ID) {
			nc.ID = ""
		} else if err := chatExists(ctx, tx, nc.ID); err == nil {
			nc.ID = ""
		}
		created, updated := now, now
		if !c.CreatedAt.IsZero() {
			created = c.CreatedAt.UnixMilli()
		}
		if !c.UpdatedAt.IsZero() {
			updated = c.UpdatedAt.UnixMilli()
		}
		var base int64
		if nc.ID != "" {
			var err error
			if base, _, err = tombstoneHWM(ctx, tx, nc.ID); err != nil {
				return err
			}
		}
		plan, n := importSeqs(msgs, base)
		chat, err := insertChat(ctx, tx, nc, created, updated, n, c.Pinned)
		if err != nil {
			return err
		}
		newIDs := make([]int64, len(msgs))
		for i, m := range msgs {
			p := plan[i]
			m.ChatID, m.Seq, m.EndSeq = chat.ID, p.seq, p.end
			m.ReasoningEndSeq, m.StreamEndSeq = p.reasoningEnd, p.streamEnd
			switch m.Status {
			case "":
				m.Status = StatusDone
			case StatusStreaming:
				m.Status = StatusInterrupted
			}
			m.ParentID = nil
			if pi := tree.Parents[i]; pi >= 0 {
				m.ParentID = &newIDs[pi]
			}
			m.OnPath, m.Waiting = onPath[i], false
			if m.Role == RoleAssistant && m.TurnID == "" {
				// A replay finds an answer's tool events by turn id, so
				// each imported answer needs its own.
				m.TurnID = ids.Turn()
			}
			mc, mu := now, now
			if !m.CreatedAt.IsZero() {
				mc = m.CreatedAt.UnixMilli()
			}
			if !m.UpdatedAt.IsZero() {
				mu = m.UpdatedAt.UnixMilli()
			}
			id, err := insertMessage(ctx, tx, m, mc, mu)
			if err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
			newIDs[i] = id
			refs := make([]string, len(m.Media))
			for j, r := range m.Media {
				refs[j] = r.ID
			}
			if err := linkMedia(ctx, tx, id, refs); err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
			if err := copyEvents(ctx, tx, chat.ID, id, m.TurnID, m.Events, p.events); err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
		}
		var leaf sql.NullInt64
		if tree.ActiveLeaf >= 0 {
			leaf = sql.NullInt64{Int64: newIDs[tree.ActiveLeaf], Valid: true}
		}
		// Last, so that nothing written before moves updated_at.
		if _, err := tx.ExecContext(ctx, `UPDATE chats SET active_leaf = ?, archived = ?, params = ?, preset = ?,
			updated_at = ? WHERE id = ?`, leaf, boolInt(c.Archived), string(params), c.Preset, updated, chat.ID); err != nil {
			return err
		}
		out, err = getChat(ctx, tx, chat.ID)
		return err
	})
	if err != nil {
		return Chat{}, fmt.Errorf("import chat: %w", err)
	}
	if out.ID != c.ID {
		s.log.Info("imported chat under a new id", "from", c.ID, "to", out.ID)
	}
	return out, nil
}

// ChatTree is a whole chat read in one snapshot, every branch: the messages
// placed in the tree in seq order, then the questions still waiting for their
// turn (the last Waiting of Messages) in seq order.
type ChatTree struct {
	Chat     Chat
	Messages []Message
	Waiting  int
}

// ReadChatTree reads a chat and all its messages, with media and tool
// events, for an export.
func (s *Store) ReadChatTree(ctx context.Context, chatID string) (ChatTree, error) {
	var t ChatTree
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if t.Chat, err = getChat(ctx, tx, chatID); err != nil {
			return err
		}
		t.Messages, err = queryMessages(ctx, tx, `SELECT `+msgCols+` FROM messages
			WHERE chat_id = ? ORDER BY waiting, seq`, chatID)
		if err != nil {
			return err
		}
		for _, m := range t.Messages {
			if m.Waiting {
				t.Waiting++
			}
		}
		if err := attachMedia(ctx, tx, t.Messages); err != nil {
			return err
		}
		return attachEvents(ctx, tx, t.Messages)
	})
	if err != nil {
		return ChatTree{}, fmt.Errorf("read chat tree of %q: %w", chatID, err)
	}
	return t, nil
}

// importSeq is the seqs one imported message gets.
type importSeq struct {
	seq, reasoningEnd, streamEnd, end int64
	// events: the seqs of an answer's tool events, in order.
	events []int64
}

// importSeqs numbers an import's events from base+1 as if they had been streamed
// (base is above any seq a deleted chat with the same id handed out): an
// answer gets a turn start, a reasoning end when it reasoned, a stream end and a
// turn end, each with its own seq, so an attach with since replays it exactly as
// it replays a turn that ran here. It returns the plan and the last seq.
func importSeqs(msgs []Message, base int64) ([]importSeq, int64) {
	plan := make([]importSeq, len(msgs))
	next := base + 1
	take := func() int64 { next++; return next - 1 }
	for i, m := range msgs {
		p := importSeq{seq: take()}
		if m.Role == RoleAssistant {
			if m.Reasoning != "" {
				p.reasoningEnd = take()
			}
			for range m.Events {
				p.events = append(p.events, take())
			}
			p.streamEnd = take()
			p.end = take()
		} else {
			p.end = p.seq
		}
		plan[i] = p
	}
	return plan, next - 1
}

// checkImportEvents refuses tool events an import could not store as the
// engine would have: on a question, of an unknown kind, or whose frame is
// not a JSON object.
func checkImportEvents(m Message) error {
	if len(m.Events) > 0 && m.Role != RoleAssistant {
		return fmt.Errorf("only an answer has tool calls, this is a %s message", m.Role)
	}
	for j, ev := range m.Events {
		switch ev.Kind {
		case EventToolCall, EventApprovalRequest, EventApprovalResolved, EventToolResult:
		default:
			return fmt.Errorf("event %d is of kind %q", j, ev.Kind)
		}
		var f map[string]json.RawMessage
		if json.Unmarshal(ev.Data, &f) != nil || f == nil {
			return fmt.Errorf("event %d: its frame is not a JSON object", j)
		}
		if ev.CallID == "" || ev.Step < 0 || ev.At < 0 || ev.At > len(m.Content) {
			return fmt.Errorf("event %d: call %q at step %d, byte %d of %d", j, ev.CallID, ev.Step, ev.At, len(m.Content))
		}
	}
	return nil
}
