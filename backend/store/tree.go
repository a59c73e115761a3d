package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hearth-app/hearth/backend/ids"
	"github.com/hearth-app/hearth/backend/protocol"
)

// A chat is a tree of messages: each message has a parent (none for the
// first of a chat, or for an edit of it), editing or regenerating adds a
// sibling, and one path — root to chats.active_leaf — is the chat as
// clients and the model see it. That path is kept in messages.on_path so
// that reads along it are index ranges; setPath is the one place that
// moves it. Seqs grow along every path: a message is always made after its
// parent, so a child's seq is above its parent's, and on the active path
// "below F" and "seq above F's" are the same set.

// setPath makes the path that ends at leafID (nil: no message) the chat's
// active one: it walks up from the leaf only until it meets the current
// path, takes off the part of the old path below that point, and marks the
// new part. The cost is the size of what changes, not of the chat.
func setPath(ctx context.Context, tx *sql.Tx, chatID string, leafID *int64) error {
	forkSeq := int64(0)
	if leafID != nil {
		// Where the new path meets the current one: the walk up stops at
		// the first message on it (none: the paths share no root).
		var seq int64
		var onPath, waiting, found bool
		rows, err := tx.QueryContext(ctx, `WITH RECURSIVE up(id, parent_id, seq, on_path, waiting) AS (
				SELECT id, parent_id, seq, on_path, waiting FROM messages WHERE id = ? AND chat_id = ?
				UNION ALL
				SELECT m.id, m.parent_id, m.seq, m.on_path, m.waiting FROM messages m JOIN up ON m.id = up.parent_id
				WHERE up.on_path = 0)
			SELECT seq, on_path, waiting FROM up`, *leafID, chatID)
		if err != nil {
			return err
		}
		first := true
		for rows.Next() {
			if err := rows.Scan(&seq, &onPath, &waiting); err != nil {
				rows.Close()
				return err
			}
			if first && waiting {
				rows.Close()
				return fmt.Errorf("%w: message %d is still waiting for its turn", ErrInvalid, *leafID)
			}
			found, first = true, false
			if onPath {
				forkSeq = seq
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: message %d is not in chat %q", ErrNotFound, *leafID, chatID)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET on_path = 0 WHERE chat_id = ? AND on_path = 1 AND seq > ?`,
		chatID, forkSeq); err != nil {
		return fmt.Errorf("leave the old path: %w", err)
	}
	if leafID != nil {
		// The same walk, now up to the fork point, marks the new part.
		if _, err := tx.ExecContext(ctx, `WITH RECURSIVE up(id, parent_id, on_path) AS (
				SELECT id, parent_id, on_path FROM messages WHERE id = ?
				UNION ALL
				SELECT m.id, m.parent_id, m.on_path FROM messages m JOIN up ON m.id = up.parent_id
				WHERE up.on_path = 0)
			UPDATE messages SET on_path = 1 WHERE id IN (SELECT id FROM up WHERE on_path = 0)`, *leafID); err != nil {
			return fmt.Errorf("mark the new path: %w", err)
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE chats SET active_leaf = ? WHERE id = ?`, nullID(leafID), chatID)
	return err
}

// activeLeaf is the chat's active leaf, nil for an empty chat.
func activeLeaf(ctx context.Context, q queryer, chatID string) (*int64, error) {
	var leaf sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT active_leaf FROM chats WHERE id = ?`, chatID).Scan(&leaf)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("chat %q: %w", chatID, ErrNotFound)
	}
	if err != nil || !leaf.Valid {
		return nil, err
	}
	return &leaf.Int64, nil
}

// newestLeaf is the newest message under (and including) id: the leaf of
// its subtree with the highest seq, since every message is newer than its
// parent.
func newestLeaf(ctx context.Context, q queryer, chatID string, id int64) (int64, error) {
	var leaf int64
	err := q.QueryRowContext(ctx, `WITH RECURSIVE sub(id, seq) AS (
			SELECT id, seq FROM messages WHERE id = ? AND chat_id = ? AND waiting = 0
			UNION ALL
			SELECT m.id, m.seq FROM messages m JOIN sub ON m.parent_id = sub.id WHERE m.waiting = 0)
		SELECT id FROM sub ORDER BY seq DESC LIMIT 1`, id, chatID).Scan(&leaf)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("message %d of chat %q: %w", id, chatID, ErrNotFound)
	}
	return leaf, err
}

// SwitchBranch makes the path through messageID, down to the newest leaf
// under it, the chat's active path, recorded as the branch_switched event
// with seq (above last_seq, else ErrSeq). Durable on return; returns the
// new leaf.
func (s *Store) SwitchBranch(ctx context.Context, chatID string, messageID, seq int64) (int64, error) {
	var leaf int64
	err := s.writeDurable(ctx, func(tx *sql.Tx) error {
		if err := checkNextSeq(ctx, tx, chatID, seq); err != nil {
			return err
		}
		var err error
		if leaf, err = newestLeaf(ctx, tx, chatID, messageID); err != nil {
			return err
		}
		if err := setPath(ctx, tx, chatID, &leaf); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE chats SET branch_seq = ? WHERE id = ?`, seq, chatID); err != nil {
			return err
		}
		return advanceChat(ctx, tx, chatID, seq, seq, s.nowMS())
	})
	if err != nil {
		return 0, fmt.Errorf("switch branch in %q: %w", chatID, err)
	}
	return leaf, nil
}

// attachSiblings fills Siblings of msgs, which all belong to one chat: the
// messages with the same parent (waiting questions are in no family), in
// seq order. One query per page of parents.
func attachSiblings(ctx context.Context, q queryer, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	chatID := msgs[0].ChatID
	parents := map[int64]bool{}
	roots := false
	for _, m := range msgs {
		switch {
		case m.Waiting:
		case m.ParentID == nil:
			roots = true
		default:
			parents[*m.ParentID] = true
		}
	}
	family := map[int64][]int64{} // parent (0: none) → children
	read := func(query string, args ...any) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("load siblings: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var parent sql.NullInt64
			if err := rows.Scan(&id, &parent); err != nil {
				return fmt.Errorf("load siblings: %w", err)
			}
			family[parent.Int64] = append(family[parent.Int64], id)
		}
		return rows.Err()
	}
	if roots {
		if err := read(`SELECT id, parent_id FROM messages INDEXED BY messages_by_chat_parent
			WHERE chat_id = ? AND parent_id IS NULL AND waiting = 0
			ORDER BY seq`, chatID); err != nil {
			return err
		}
	}
	// The parents of a page in one query (a long replay in a few), each
	// parent an index range.
	ps := make([]any, 0, len(parents))
	for p := range parents {
		ps = append(ps, p)
	}
	for len(ps) > 0 {
		chunk := ps[:min(len(ps), 500)]
		ps = ps[len(chunk):]
		marks := strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")
		if err := read(`SELECT id, parent_id FROM messages INDEXED BY messages_by_chat_parent
			WHERE chat_id = ? AND parent_id IN (`+marks+
			`) AND waiting = 0 ORDER BY seq`, append([]any{chatID}, chunk...)...); err != nil {
			return err
		}
	}
	for i := range msgs {
		m := &msgs[i]
		var kin []int64
		if !m.Waiting {
			p := int64(0)
			if m.ParentID != nil {
				p = *m.ParentID
			}
			kin = family[p]
		}
		m.Siblings = siblingsOf(m.ID, kin)
	}
	return nil
}

// siblingsOf places id among kin (ids in order); a message missing from
// kin (a waiting question) is alone. Pure.
func siblingsOf(id int64, kin []int64) protocol.Siblings {
	for i, k := range kin {
		if k == id {
			return protocol.Siblings{Index: i, Count: len(kin), IDs: kin}
		}
	}
	return protocol.Siblings{Index: 0, Count: 1, IDs: []int64{id}}
}

// PathTo returns the messages of the path that ends at leafID with seq
// below beforeSeq (0: no bound), newest limit of them in ascending seq
// order, and whether older ones exist. The part of the path shared with
// the active one is read by index; only the part that differs is walked.
func (s *Store) PathTo(ctx context.Context, chatID string, leafID, beforeSeq int64, limit int) ([]Message, bool, error) {
	limit = clampLimit(limit)
	if beforeSeq <= 0 {
		beforeSeq = 1<<63 - 1
	}
	var msgs []Message
	var more bool
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := chatExists(ctx, tx, chatID); err != nil {
			return err
		}
		// The off-path part, leaf first.
		var off []int64
		forkSeq := int64(-1)
		for id, first := leafID, true; ; first = false {
			var parent sql.NullInt64
			var seq int64
			var onPath, waiting bool
			err := tx.QueryRowContext(ctx, `SELECT parent_id, seq, on_path, waiting FROM messages WHERE id = ? AND chat_id = ?`,
				id, chatID).Scan(&parent, &seq, &onPath, &waiting)
			if errors.Is(err, sql.ErrNoRows) && first {
				return fmt.Errorf("message %d of chat %q: %w", id, chatID, ErrNotFound)
			}
			if err != nil {
				return err
			}
			if waiting {
				return fmt.Errorf("%w: message %d is still waiting for its turn", ErrInvalid, id)
			}
			if onPath {
				forkSeq = seq
				break
			}
			if seq < beforeSeq {
				off = append(off, id)
			}
			if !parent.Valid || len(off) > limit {
				break
			}
			id = parent.Int64
		}
		var page []Message
		for _, id := range off {
			m, err := scanMessage(tx.QueryRowContext(ctx, `SELECT `+msgCols+` FROM messages WHERE id = ?`, id))
			if err != nil {
				return err
			}
			page = append(page, m)
		}
		if err := joinParts(ctx, tx, page); err != nil {
			return err
		}
		if forkSeq >= 0 && len(page) <= limit {
			shared, err := queryMessages(ctx, tx, `SELECT `+msgCols+` FROM messages
				WHERE chat_id = ? AND on_path = 1 AND seq <= ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
				chatID, forkSeq, beforeSeq, limit+1-len(page))
			if err != nil {
				return err
			}
			page = append(page, shared...)
		}
		if len(page) > limit {
			more, page = true, page[:limit]
		}
		for i, j := 0, len(page)-1; i < j; i, j = i+1, j-1 {
			page[i], page[j] = page[j], page[i]
		}
		msgs = page
		return withMediaAndSiblings(ctx, tx, msgs)
	})
	if err != nil {
		return nil, false, fmt.Errorf("path of %q to %d: %w", chatID, leafID, err)
	}
	return msgs, more, nil
}

// userParent is where a new user message goes: beside the user message
// `beside` (its parent), else after the chat's active leaf.
func userParent(ctx context.Context, tx *sql.Tx, chatID string, beside *int64) (*int64, error) {
	if beside == nil {
		return activeLeaf(ctx, tx, chatID)
	}
	var parent sql.NullInt64
	var role string
	var waiting bool
	err := tx.QueryRowContext(ctx, `SELECT parent_id, role, waiting FROM messages WHERE id = ? AND chat_id = ?`,
		*beside, chatID).Scan(&parent, &role, &waiting)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("message %d of chat %q: %w", *beside, chatID, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if role != RoleUser || waiting {
		return nil, fmt.Errorf("%w: message %d is not a question that can be edited", ErrInvalid, *beside)
	}
	if !parent.Valid {
		return nil, nil
	}
	return &parent.Int64, nil
}

func nullID(id *int64) sql.NullInt64 {
	if id == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *id, Valid: true}
}

// ForkChat copies the path that ends at messageID into a new chat: the
// same messages (text, reasoning, media, statuses), numbered from seq 1 as
// if streamed, one path with its last message as the active leaf. The new
// chat takes the source's model, system prompt, params and preset; title
// names it. A message still streaming cannot be copied (ErrInvalid).
func (s *Store) ForkChat(ctx context.Context, chatID string, messageID int64, title string) (Chat, error) {
	var out Chat
	err := s.write(ctx, func(tx *sql.Tx) error {
		src, err := getChat(ctx, tx, chatID)
		if err != nil {
			return err
		}
		var path []Message // leaf first
		for id := &messageID; id != nil; {
			m, err := getMessage(ctx, tx, *id)
			if err != nil || m.ChatID != chatID {
				return fmt.Errorf("message %d of chat %q: %w", *id, chatID, ErrNotFound)
			}
			if m.Waiting || m.Status == StatusStreaming {
				return fmt.Errorf("%w: message %d is not finished", ErrInvalid, m.ID)
			}
			path = append(path, m)
			id = m.ParentID
		}
		for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
			path[i], path[j] = path[j], path[i]
		}
		now := s.nowMS()
		plan, last := importSeqs(path, 0)
		nc := NewChat{Title: title, Model: src.Model, System: src.System}
		if s.memory {
			nc.ID = ids.TemporaryChat()
		}
		chat, err := insertChat(ctx, tx, nc, now, now, last, false)
		if err != nil {
			return err
		}
		var parent *int64
		for i, m := range path {
			p := plan[i]
			m.ChatID, m.Seq, m.EndSeq, m.ReasoningEndSeq, m.StreamEndSeq = chat.ID, p.seq, p.end, p.reasoningEnd, p.streamEnd
			m.ParentID, m.OnPath, m.Waiting = parent, true, false
			id, err := insertMessage(ctx, tx, m, m.CreatedAt.UnixMilli(), m.UpdatedAt.UnixMilli())
			if err != nil {
				return err
			}
			refs := make([]string, len(m.Media))
			for j, r := range m.Media {
				refs[j] = r.ID
			}
			if err := linkMedia(ctx, tx, id, refs); err != nil {
				return err
			}
			if err := copyEvents(ctx, tx, chat.ID, id, m.TurnID, m.Events, p.events); err != nil {
				return err
			}
			parent = &id
		}
		params, err := json.Marshal(src.Params)
		if err != nil {
			return err
		}
		off, err := json.Marshal(nonNil(src.ToolsOff))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE chats SET active_leaf = ?, params = ?, preset = ?, tools_off = ?, agent = ? WHERE id = ?`,
			nullID(parent), string(params), src.Preset, string(off), src.Agent, chat.ID); err != nil {
			return err
		}
		out, err = getChat(ctx, tx, chat.ID)
		return err
	})
	if err != nil {
		return Chat{}, fmt.Errorf("fork chat %q at %d: %w", chatID, messageID, err)
	}
	return out, nil
}

// SetAside takes a waiting question out of the queue for good (its turn
// was cancelled before it opened): it becomes a branch of its own under
// the chat's active leaf, off the path, kept like every other message. It
// moves to seq (above last_seq, else ErrSeq), so it stays newer than its
// new parent. setting (the chat's queue without it) is written in the
// same transaction.
func (s *Store) SetAside(ctx context.Context, chatID string, questionID, seq int64, setting SettingWrite) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := checkNextSeq(ctx, tx, chatID, seq); err != nil {
			return err
		}
		leaf, err := activeLeaf(ctx, tx, chatID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE messages SET waiting = 0, on_path = 0, parent_id = ?, seq = ?, end_seq = ?
			WHERE id = ? AND chat_id = ? AND waiting = 1`, nullID(leaf), seq, seq, questionID, chatID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("%w: no waiting question %d in chat %q", ErrNotFound, questionID, chatID)
		}
		if err := advanceChat(ctx, tx, chatID, seq, seq, s.nowMS()); err != nil {
			return err
		}
		return applySetting(ctx, tx, &setting)
	})
	if err != nil {
		return fmt.Errorf("set aside question %d of %q: %w", questionID, chatID, err)
	}
	return nil
}
