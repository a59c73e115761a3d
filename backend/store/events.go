package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// Kinds of a turn's stored events.
const (
	EventToolCall         = "tool_call"
	EventApprovalRequest  = "approval_request"
	EventApprovalResolved = "approval_resolved"
	EventToolResult       = "tool_result"
)

// Event is one tool event of a turn, kept beside its assistant message.
// Data is the frame as it was sent (chat_id, seq and turn_id included), so
// a replay sends it unchanged.
type Event struct {
	ChatID    string
	Seq       int64
	MessageID int64
	Kind      string
	CallID    string
	// Step is the model request of the turn that made the call; At the
	// bytes of the answer's text written before it.
	Step, At int
	Data     json.RawMessage
}

// AppendEvent stores one event of a running turn. Events are written as
// they happen (a crash keeps every call that was made and every answer
// the user gave), not with the turn's end.
func (s *Store) AppendEvent(ctx context.Context, ev Event) error {
	if !json.Valid(ev.Data) {
		return fmt.Errorf("append event: %w: data is not JSON", ErrInvalid)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO message_events (chat_id, seq, message_id, kind, call_id, step, at, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ev.ChatID, ev.Seq, ev.MessageID, ev.Kind, ev.CallID, ev.Step, ev.At, string(ev.Data))
		return err
	})
	if err != nil {
		return fmt.Errorf("append %s event to chat %q: %w", ev.Kind, ev.ChatID, err)
	}
	return nil
}

// attachEvents fills Events of the assistant messages of msgs, in seq
// order: one query per 500 messages.
func attachEvents(ctx context.Context, q queryer, msgs []Message) error {
	at := map[int64]int{}
	ids := make([]any, 0, len(msgs))
	for i, m := range msgs {
		if m.Role == RoleAssistant {
			at[m.ID] = i
			ids = append(ids, m.ID)
		}
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		marks := strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")
		rows, err := q.QueryContext(ctx, `SELECT chat_id, seq, message_id, kind, call_id, step, at, data
			FROM message_events INDEXED BY message_events_by_message
			WHERE message_id IN (`+marks+`) ORDER BY message_id, seq`, chunk...)
		if err != nil {
			return fmt.Errorf("load tool events: %w", err)
		}
		for rows.Next() {
			var ev Event
			var data string
			if err := rows.Scan(&ev.ChatID, &ev.Seq, &ev.MessageID, &ev.Kind, &ev.CallID, &ev.Step, &ev.At, &data); err != nil {
				rows.Close()
				return fmt.Errorf("load tool events: %w", err)
			}
			ev.Data = json.RawMessage(data)
			m := &msgs[at[ev.MessageID]]
			m.Events = append(m.Events, ev)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("load tool events: %w", err)
		}
	}
	return nil
}

// copyEvents writes events (of one message of another chat, or read from an
// export) under the message id, turn id and seqs of a copy: fork and import
// renumber a chat. reframe rewrites each frame for its new chat, seq and
// turn, so a replay matches each event to its answer.
func copyEvents(ctx context.Context, tx *sql.Tx, chatID string, msgID int64, turnID string, events []Event, seqs []int64) error {
	for i, ev := range events {
		data, err := reframe(ev.Data, chatID, seqs[i], turnID)
		if err != nil {
			return err
		}
		ev.ChatID, ev.Seq, ev.MessageID, ev.Data = chatID, seqs[i], msgID, data
		if _, err := tx.ExecContext(ctx, `INSERT INTO message_events (chat_id, seq, message_id, kind, call_id, step, at, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ev.ChatID, ev.Seq, ev.MessageID, ev.Kind, ev.CallID, ev.Step, ev.At, string(ev.Data)); err != nil {
			return fmt.Errorf("copy tool event: %w", err)
		}
	}
	return nil
}

// reframe sets a stored frame's chat_id, seq and turn_id, keeping every
// other field as it was.
func reframe(data json.RawMessage, chatID string, seq int64, turnID string) (json.RawMessage, error) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("tool event: %w", err)
	}
	c, _ := json.Marshal(chatID)
	sq, _ := json.Marshal(seq)
	tu, _ := json.Marshal(turnID)
	f["chat_id"], f["seq"], f["turn_id"] = c, sq, tu
	out, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("tool event: %w", err)
	}
	return out, nil
}

// CallKnown reports whether a tool call with this id was made in the chat.
func (s *Store) CallKnown(ctx context.Context, chatID, callID string) (bool, error) {
	var n int
	err := s.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM message_events WHERE chat_id = ? AND call_id = ? AND kind = 'tool_call'`,
			chatID, callID).Scan(&n)
	})
	if err != nil {
		return false, fmt.Errorf("look up call %q: %w", callID, err)
	}
	return n > 0, nil
}
