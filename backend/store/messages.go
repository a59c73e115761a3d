package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
)

// Roles and statuses as stored (the schema CHECKs the same sets).
// The values are the protocol's: a stored message is what clients are sent.
const (
	RoleUser      = protocol.RoleUser
	RoleAssistant = protocol.RoleAssistant
	RoleSystem    = protocol.RoleSystem

	StatusStreaming   = protocol.StatusStreaming
	StatusDone        = protocol.StatusDone
	StatusCancelled   = protocol.StatusCancelled
	StatusError       = protocol.StatusError
	StatusInterrupted = protocol.StatusInterrupted
)

// Usage is the token accounting a provider reported for a turn.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// MediaRef is the metadata of one content-addressed media file; ID is the
// lowercase hex sha256 of its bytes.
type MediaRef struct {
	ID, MIME, Name string
	Size           int64
}

// Message is one stored message. Seq is the seq of the event that created it
// (user_message or turn_start); EndSeq that of its last event. While a row
// is streaming its EndSeq equals Seq.
type Message struct {
	ID                                   int64
	ChatID                               string
	Seq, EndSeq, ReasoningEndSeq         int64
	StreamEndSeq                         int64
	TurnID, Role, Content, Reasoning     string
	ReasoningStartedAt, ReasoningEndedAt *time.Time
	Model, Status, Error                 string
	Usage                                *Usage
	ParentID                             *int64
	// parts: how many checkpoint parts follow Content (and Reasoning) in
	// the store; reads join them, so Content is always the whole text.
	parts                int
	LatencyMS            int64
	Media                []MediaRef
	CreatedAt, UpdatedAt time.Time
	// OnPath: on the chat's active path. Waiting: a queued question not
	// placed in the tree yet (no parent, on no path).
	OnPath, Waiting bool
	// Siblings place the message among those with the same parent; set by
	// the reads that return messages to clients.
	Siblings protocol.Siblings
	// Events are an answer's tool events in seq order (calls, approvals,
	// results); set by the reads that return messages.
	Events []Event
}

// Checkpoint is the periodic save of a streaming reply: the text streamed
// since the previous checkpoint, and the reasoning's times as known now.
type Checkpoint struct {
	Content, Reasoning                   string
	ReasoningStartedAt, ReasoningEndedAt *time.Time
}

// Final is the last write of an assistant reply.
type Final struct {
	Content, Reasoning                   string
	ReasoningStartedAt, ReasoningEndedAt *time.Time
	Status, Error                        string
	Usage                                *Usage
	LatencyMS                            int64
	ReasoningEndSeq, StreamEndSeq        int64
	EndSeq                               int64
}

// SettingWrite is a settings row changed in the same transaction as a
// message: Value "" removes the key.
type SettingWrite struct{ Key, Value string }

func applySetting(ctx context.Context, tx *sql.Tx, w *SettingWrite) error {
	if w == nil {
		return nil
	}
	var err error
	if w.Value == "" {
		_, err = tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, w.Key)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, w.Key, w.Value)
	}
	if err != nil {
		return fmt.Errorf("write setting %q: %w", w.Key, err)
	}
	return nil
}

// UserMessage is a user message to commit. Answer, when set, opens the
// streaming row of the turn that answers it; Setting, when set, is written
// too (the chat's queue, for a queued message): all in one transaction, so a
// message is never acknowledged without what makes sure it gets an answer.
type UserMessage struct {
	ChatID   string
	Seq      int64
	Content  string
	MediaIDs []string
	Model    string
	Answer   *Answer
	Setting  *SettingWrite
	// Waiting: a question queued behind the running turn; it is placed in
	// the tree when its turn opens (OpenQueued).
	Waiting bool
	// Beside, when set, makes the message an edit of that user message: a
	// sibling of it (same parent), on the path from then on. Otherwise the
	// message follows the chat's active leaf.
	Beside *int64
}

// Answer opens an assistant row: its turn_start has Seq.
type Answer struct {
	TurnID, Model string
	Seq           int64
}

// AppendUserMessage commits a user message alone; see CommitUserMessage.
func (s *Store) AppendUserMessage(ctx context.Context, chatID string, seq int64, content string, mediaIDs []string, model string) (Message, error) {
	m, _, err := s.CommitUserMessage(ctx, UserMessage{ChatID: chatID, Seq: seq, Content: content, MediaIDs: mediaIDs, Model: model})
	return m, err
}

// CommitUserMessage commits a user message as the event with seq m.Seq,
// which must be above the chat's last_seq (ErrSeq). MediaIDs must already be
// stored with PutMedia (ErrMissingMedia). The commit is durable (synced) when
// this returns, so the caller may acknowledge it.
func (s *Store) CommitUserMessage(ctx context.Context, um UserMessage) (Message, *Message, error) {
	var m Message
	var answer *Message
	err := s.writeDurable(ctx, func(tx *sql.Tx) error {
		if err := checkNextSeq(ctx, tx, um.ChatID, um.Seq); err != nil {
			return err
		}
		now := s.nowMS()
		row := Message{ChatID: um.ChatID, Seq: um.Seq, EndSeq: um.Seq, Role: RoleUser, Content: um.Content,
			Model: um.Model, Status: StatusDone, Waiting: um.Waiting, OnPath: !um.Waiting}
		if !um.Waiting {
			parent, err := userParent(ctx, tx, um.ChatID, um.Beside)
			if err != nil {
				return err
			}
			if err := setPath(ctx, tx, um.ChatID, parent); err != nil {
				return err
			}
			row.ParentID = parent
		}
		id, err := insertMessage(ctx, tx, row, now, now)
		if err != nil {
			return err
		}
		if !um.Waiting {
			if _, err := tx.ExecContext(ctx, `UPDATE chats SET active_leaf = ? WHERE id = ?`, id, um.ChatID); err != nil {
				return err
			}
		}
		if err := linkMedia(ctx, tx, id, um.MediaIDs); err != nil {
			return err
		}
		if err := advanceChat(ctx, tx, um.ChatID, um.Seq, um.Seq, now); err != nil {
			return err
		}
		if m, err = getMessage(ctx, tx, id); err != nil {
			return err
		}
		if um.Answer != nil {
			a, err := startAssistant(ctx, tx, um.ChatID, um.Answer.TurnID, um.Answer.Model, um.Answer.Seq, &id, now)
			if err != nil {
				return err
			}
			answer = &a
		}
		return applySetting(ctx, tx, um.Setting)
	})
	if err != nil {
		return Message{}, nil, fmt.Errorf("append user message to %q: %w", um.ChatID, err)
	}
	return m, answer, nil
}

// StartAssistant inserts the streaming row of a turn whose turn_start event
// has the given seq (above last_seq, else ErrSeq). parentID, when set, must be
// a message of the same chat. setting, when set, is written in the same
// transaction (the chat's queue without this turn). Durable on return.
func (s *Store) StartAssistant(ctx context.Context, chatID, turnID, model string, seq int64, parentID *int64, setting ...SettingWrite) (Message, error) {
	var m Message
	err := s.writeDurable(ctx, func(tx *sql.Tx) error {
		var err error
		if m, err = startAssistant(ctx, tx, chatID, turnID, model, seq, parentID, s.nowMS()); err != nil {
			return err
		}
		for i := range setting {
			if err := applySetting(ctx, tx, &setting[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Message{}, fmt.Errorf("start assistant in %q: %w", chatID, err)
	}
	return m, nil
}

func startAssistant(ctx context.Context, tx *sql.Tx, chatID, turnID, model string, seq int64, parentID *int64, now int64) (Message, error) {
	if err := checkNextSeq(ctx, tx, chatID, seq); err != nil {
		return Message{}, err
	}
	if parentID == nil {
		// An answer of no question in particular follows the active leaf.
		leaf, err := activeLeaf(ctx, tx, chatID)
		if err != nil {
			return Message{}, err
		}
		parentID = leaf
	}
	if parentID != nil {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE id = ? AND chat_id = ?`,
			*parentID, chatID).Scan(&n)
		if err != nil {
			return Message{}, err
		}
		if n == 0 {
			return Message{}, fmt.Errorf("%w: parent message %d is not in chat %q", ErrInvalid, *parentID, chatID)
		}
	}
	// The answer goes under its question, on the path from now on (a
	// regenerated answer takes the place of the one beside it).
	if err := setPath(ctx, tx, chatID, parentID); err != nil {
		return Message{}, err
	}
	id, err := insertMessage(ctx, tx, Message{
		ChatID: chatID, Seq: seq, EndSeq: seq, TurnID: turnID, Role: RoleAssistant,
		Model: model, Status: StatusStreaming, ParentID: parentID, OnPath: true,
	}, now, now)
	if err != nil {
		return Message{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE chats SET active_leaf = ? WHERE id = ?`, id, chatID); err != nil {
		return Message{}, err
	}
	if err := advanceChat(ctx, tx, chatID, seq, seq, now); err != nil {
		return Message{}, err
	}
	return getMessage(ctx, tx, id)
}

// OpenQueued opens the turn of a queued question: the question moves to
// questionSeq, just before its answer's turn_start at answerSeq, so every
// view that reads the chat in seq order shows each question followed by its
// own answer, the order the model sees them in. Both seqs must be above
// last_seq. setting (the chat's queue without this turn) is written in the
// same transaction. Durable on return; returns the moved question and the
// answer's streaming row.
func (s *Store) OpenQueued(ctx context.Context, chatID string, questionID, questionSeq int64, turnID, model string, answerSeq int64, setting *SettingWrite) (question, answer Message, err error) {
	err = s.writeDurable(ctx, func(tx *sql.Tx) error {
		if err := checkNextSeq(ctx, tx, chatID, questionSeq); err != nil {
			return err
		}
		now := s.nowMS()
		// The question is placed in the tree now: after the answer before it.
		leaf, err := activeLeaf(ctx, tx, chatID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE messages SET seq = ?, end_seq = ?, updated_at = ?,
			parent_id = ?, waiting = 0, on_path = 1
			WHERE id = ? AND chat_id = ? AND role = 'user' AND waiting = 1`, questionSeq, questionSeq, now, nullID(leaf), questionID, chatID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("%w: no question %d in chat %q", ErrNotFound, questionID, chatID)
		}
		if err := advanceChat(ctx, tx, chatID, questionSeq, questionSeq, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE chats SET active_leaf = ? WHERE id = ?`, questionID, chatID); err != nil {
			return err
		}
		if question, err = getMessage(ctx, tx, questionID); err != nil {
			return err
		}
		if answer, err = startAssistant(ctx, tx, chatID, turnID, model, answerSeq, &questionID, now); err != nil {
			return err
		}
		return applySetting(ctx, tx, setting)
	})
	if err != nil {
		return Message{}, Message{}, fmt.Errorf("open queued turn in %q: %w", chatID, err)
	}
	return question, answer, nil
}

// CheckpointAssistant appends what a streaming row has streamed since its
// last checkpoint (cp.Content and cp.Reasoning are only the new text) as part
// number part. It writes one small row and nothing else, so a checkpoint
// costs about one page whatever the length of the answer so far; the final
// write (or start-up recovery) joins the parts. Not synced: a crash may lose
// the last checkpoints of a power cut, never the database.
func (s *Store) CheckpointAssistant(ctx context.Context, messageID int64, part int, cp Checkpoint) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO message_parts (message_id, part, content, reasoning,
			reasoning_started_at, reasoning_ended_at)
			SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM messages WHERE id = ? AND status = 'streaming')`,
			messageID, part, cp.Content, cp.Reasoning, toNullMS(cp.ReasoningStartedAt), toNullMS(cp.ReasoningEndedAt), messageID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notStreaming(ctx, tx, messageID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("checkpoint message %d: %w", messageID, err)
	}
	return nil
}

// finalText decides how a streaming row's whole text is stored at its final
// write. Without checkpoints it goes into the row. With them, the parts are
// kept as the text and only the tail streamed since the last one is added as
// one more part, so a long answer is written once; the row's own content
// stays as it was (empty). Parts that are not a prefix of the final text
// (which the engine never writes) are replaced by the whole text. The parts
// are compared one at a time, never joined: a long answer is not copied
// again for the check.
func finalText(ctx context.Context, tx *sql.Tx, messageID int64, f Final) (content, reasoning string, parts int, err error) {
	var rowC, rowR string
	if err := tx.QueryRowContext(ctx, `SELECT content, reasoning FROM messages WHERE id = ?`, messageID).Scan(&rowC, &rowR); err != nil {
		return "", "", 0, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT part, content, reasoning FROM message_parts WHERE message_id = ? ORDER BY part`, messageID)
	if err != nil {
		return "", "", 0, err
	}
	n, next := 0, 0
	offC, offR := len(rowC), len(rowR)
	agree := strings.HasPrefix(f.Content, rowC) && strings.HasPrefix(f.Reasoning, rowR)
	for rows.Next() {
		var part int
		var pc, pr string
		if err := rows.Scan(&part, &pc, &pr); err != nil {
			rows.Close()
			return "", "", 0, err
		}
		n, next = n+1, part+1
		agree = agree && strings.HasPrefix(f.Content[offC:], pc) && strings.HasPrefix(f.Reasoning[offR:], pr)
		if agree {
			offC, offR = offC+len(pc), offR+len(pr)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", "", 0, err
	}
	if n == 0 {
		return f.Content, f.Reasoning, 0, nil
	}
	if !agree {
		_, err := tx.ExecContext(ctx, `DELETE FROM message_parts WHERE message_id = ?`, messageID)
		return f.Content, f.Reasoning, 0, err
	}
	if tailC, tailR := f.Content[offC:], f.Reasoning[offR:]; tailC != "" || tailR != "" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO message_parts (message_id, part, content, reasoning)
			VALUES (?, ?, ?, ?)`, messageID, next, tailC, tailR); err != nil {
			return "", "", 0, err
		}
		n++
	}
	return rowC, rowR, n, nil
}

// FinishAssistant is the final write of a streaming row. f.EndSeq must be
// above the row's seq; ReasoningEndSeq and StreamEndSeq are 0 (no such event)
// or between the two. The chat's last_seq moves to EndSeq (never backwards).
func (s *Store) FinishAssistant(ctx context.Context, messageID int64, f Final) error {
	switch f.Status {
	case StatusDone, StatusCancelled, StatusError, StatusInterrupted:
	default:
		return fmt.Errorf("finish message %d: %w: status %q", messageID, ErrInvalid, f.Status)
	}
	usage, err := usageJSON(f.Usage)
	if err != nil {
		return fmt.Errorf("finish message %d: %w", messageID, err)
	}
	err = s.writeDurable(ctx, func(tx *sql.Tx) error {
		var chatID, status string
		var seq int64
		err := tx.QueryRowContext(ctx, `SELECT chat_id, seq, status FROM messages WHERE id = ?`, messageID).
			Scan(&chatID, &seq, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("message %d: %w", messageID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if status != StatusStreaming {
			return fmt.Errorf("message %d is %s: %w", messageID, status, ErrNotStreaming)
		}
		if f.EndSeq <= seq {
			return fmt.Errorf("%w: end seq %d not above message seq %d", ErrSeq, f.EndSeq, seq)
		}
		for _, v := range []int64{f.ReasoningEndSeq, f.StreamEndSeq} {
			if v != 0 && (v <= seq || v > f.EndSeq) {
				return fmt.Errorf("%w: event seq %d outside (%d, %d]", ErrSeq, v, seq, f.EndSeq)
			}
		}
		content, reasoning, parts, err := finalText(ctx, tx, messageID, f)
		if err != nil {
			return err
		}
		now := s.nowMS()
		_, err = tx.ExecContext(ctx, `UPDATE messages SET content = ?, reasoning = ?, parts = ?,
			reasoning_started_at = ?, reasoning_ended_at = ?, status = ?, error = ?, usage = ?,
			latency_ms = ?, reasoning_end_seq = ?, stream_end_seq = ?, end_seq = ?, updated_at = ?
			WHERE id = ?`,
			content, reasoning, parts, toNullMS(f.ReasoningStartedAt), toNullMS(f.ReasoningEndedAt),
			f.Status, f.Error, usage, f.LatencyMS, f.ReasoningEndSeq, f.StreamEndSeq, f.EndSeq, now, messageID)
		if err != nil {
			return err
		}
		if parts > 0 {
			// The trigger indexes only rows without parts (see schema v3).
			if _, err := tx.ExecContext(ctx, `INSERT INTO messages_fts (rowid, content, reasoning) VALUES (?, ?, ?)`,
				messageID, f.Content, f.Reasoning); err != nil {
				return fmt.Errorf("index message %d: %w", messageID, err)
			}
		}
		return advanceChat(ctx, tx, chatID, f.EndSeq, f.EndSeq, now)
	})
	if err != nil {
		return fmt.Errorf("finish message %d: %w", messageID, err)
	}
	return nil
}

// ReserveSeq raises the chat's seq_hwm to upTo (never lowers it), before
// seqs up to upTo are handed out from memory.
func (s *Store) ReserveSeq(ctx context.Context, chatID string, upTo int64) error {
	err := s.writeDurable(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE chats SET seq_hwm = max(seq_hwm, ?) WHERE id = ?`, upTo, chatID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("chat %q: %w", chatID, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reserve seq: %w", err)
	}
	return nil
}

// RecoverInterrupted is run at start-up, before any turn starts. Every row
// still streaming (its process died) becomes 'interrupted' and keeps its last
// checkpointed text. Its stream_end and turn_end get the two seqs after
// max(seq_hwm, last_seq), since anything up to the hwm may already have been
// seen by a client; the chat's last_seq and seq_hwm move to the turn_end seq.
func (s *Store) RecoverInterrupted(ctx context.Context) ([]Message, error) {
	var out []Message
	err := s.write(ctx, func(tx *sql.Tx) error {
		type row struct {
			id     int64
			chatID string
		}
		var todo []row
		rows, err := tx.QueryContext(ctx, `SELECT id, chat_id FROM messages
			WHERE status = 'streaming' ORDER BY chat_id, seq`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.chatID); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := s.nowMS()
		for _, r := range todo {
			var hwm int64
			err := tx.QueryRowContext(ctx, `SELECT max(seq_hwm, last_seq) FROM chats WHERE id = ?`, r.chatID).Scan(&hwm)
			if err != nil {
				return err
			}
			// The checkpointed parts stay the text; the times come from the
			// last checkpoint that knew them.
			// Only the times are read: the text stays where it is.
			var rStart, rEnd sql.NullInt64
			err = tx.QueryRowContext(ctx, `SELECT
				(SELECT reasoning_started_at FROM message_parts WHERE message_id = ?1
					AND reasoning_started_at IS NOT NULL ORDER BY part DESC LIMIT 1),
				(SELECT reasoning_ended_at FROM message_parts WHERE message_id = ?1
					AND reasoning_ended_at IS NOT NULL ORDER BY part DESC LIMIT 1)`, r.id).Scan(&rStart, &rEnd)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE messages SET status = 'interrupted',
				parts = (SELECT count(*) FROM message_parts WHERE message_id = messages.id),
				reasoning_started_at = coalesce(?, reasoning_started_at),
				reasoning_ended_at = coalesce(?, reasoning_ended_at),
				stream_end_seq = ?, end_seq = ?, updated_at = ? WHERE id = ?`,
				rStart, rEnd, hwm+1, hwm+2, now, r.id)
			if err != nil {
				return err
			}
			// A row with parts is not indexed by the trigger (schema v3).
			_, err = tx.ExecContext(ctx, `INSERT INTO messages_fts (rowid, content, reasoning)
				SELECT id, content, reasoning FROM messages_searchable WHERE id = ? AND
				(SELECT parts FROM messages WHERE id = ?) > 0`, r.id, r.id)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE chats SET last_seq = ?, seq_hwm = ? WHERE id = ?`,
				hwm+2, hwm+2, r.chatID)
			if err != nil {
				return err
			}
			m, err := getMessage(ctx, tx, r.id)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recover interrupted turns: %w", err)
	}
	if len(out) > 0 {
		s.log.Info("marked interrupted turns", "count", len(out))
	}
	return out, nil
}

// checkNextSeq enforces that a new event seq is above the chat's last_seq.
func checkNextSeq(ctx context.Context, tx *sql.Tx, chatID string, seq int64) error {
	var last int64
	err := tx.QueryRowContext(ctx, `SELECT last_seq FROM chats WHERE id = ?`, chatID).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("chat %q: %w", chatID, ErrNotFound)
	}
	if err != nil {
		return err
	}
	if seq <= last {
		return fmt.Errorf("%w: seq %d is not above last_seq %d", ErrSeq, seq, last)
	}
	return nil
}

// advanceChat records committed events up to lastSeq. Both counters only
// ever grow.
func advanceChat(ctx context.Context, tx *sql.Tx, chatID string, lastSeq, hwm, nowMS int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE chats SET last_seq = max(last_seq, ?),
		seq_hwm = max(seq_hwm, ?, ?), updated_at = ? WHERE id = ?`, lastSeq, lastSeq, hwm, nowMS, chatID)
	return err
}

func insertMessage(ctx context.Context, tx *sql.Tx, m Message, created, updated int64) (int64, error) {
	usage, err := usageJSON(m.Usage)
	if err != nil {
		return 0, err
	}
	var parent sql.NullInt64
	if m.ParentID != nil {
		parent = sql.NullInt64{Int64: *m.ParentID, Valid: true}
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO messages (chat_id, seq, turn_id, role, content, reasoning,
		reasoning_started_at, reasoning_ended_at, model, status, error, usage, parent_id, latency_ms,
		reasoning_end_seq, stream_end_seq, end_seq, created_at, updated_at, on_path, waiting)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.ChatID, m.Seq, m.TurnID, m.Role, m.Content, m.Reasoning,
		toNullMS(m.ReasoningStartedAt), toNullMS(m.ReasoningEndedAt), m.Model, m.Status, m.Error, usage,
		parent, m.LatencyMS, m.ReasoningEndSeq, m.StreamEndSeq, m.EndSeq, created, updated,
		boolInt(m.OnPath), boolInt(m.Waiting)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert message: %w", err)
	}
	return id, nil
}

// linkMedia attaches media in the given order; each id must have a row.
func linkMedia(ctx context.Context, tx *sql.Tx, messageID int64, mediaIDs []string) error {
	for i, mid := range mediaIDs {
		res, err := tx.ExecContext(ctx, `INSERT INTO message_media (message_id, media_id, position)
			SELECT ?, id, ? FROM media WHERE id = ?`, messageID, i, mid)
		if err != nil {
			return fmt.Errorf("link media: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("%w: %q", ErrMissingMedia, mid)
		}
	}
	return nil
}

// notStreaming explains why a streaming-only update matched no row.
func notStreaming(ctx context.Context, q queryer, messageID int64) error {
	var status string
	err := q.QueryRowContext(ctx, `SELECT status FROM messages WHERE id = ?`, messageID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("message %d: %w", messageID, ErrNotFound)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("message %d is %s: %w", messageID, status, ErrNotStreaming)
}

func usageJSON(u *Usage) (sql.NullString, error) {
	if u == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(u)
	if err != nil {
		return sql.NullString{}, fmt.Errorf("encode usage: %w", err)
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}
