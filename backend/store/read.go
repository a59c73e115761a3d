package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

const msgCols = `id, chat_id, seq, end_seq, reasoning_end_seq, stream_end_seq, turn_id, role, content,
	reasoning, reasoning_started_at, reasoning_ended_at, model, status, error, usage, parent_id,
	latency_ms, created_at, updated_at, parts, on_path, waiting`

func scanMessage(sc scanner) (Message, error) {
	var m Message
	var rStart, rEnd, parent sql.NullInt64
	var usage sql.NullString
	var created, updated int64
	err := sc.Scan(&m.ID, &m.ChatID, &m.Seq, &m.EndSeq, &m.ReasoningEndSeq, &m.StreamEndSeq,
		&m.TurnID, &m.Role, &m.Content, &m.Reasoning, &rStart, &rEnd, &m.Model, &m.Status,
		&m.Error, &usage, &parent, &m.LatencyMS, &created, &updated, &m.parts, &m.OnPath, &m.Waiting)
	if err != nil {
		return Message{}, err
	}
	m.ReasoningStartedAt, m.ReasoningEndedAt = nullTime(rStart), nullTime(rEnd)
	if parent.Valid {
		p := parent.Int64
		m.ParentID = &p
	}
	if usage.Valid {
		var u Usage
		if err := json.Unmarshal([]byte(usage.String), &u); err != nil {
			return Message{}, fmt.Errorf("message %d: decode usage: %w", m.ID, err)
		}
		m.Usage = &u
	}
	m.CreatedAt, m.UpdatedAt = fromMS(created), fromMS(updated)
	return m, nil
}

func queryMessages(ctx context.Context, q queryer, query string, args ...any) ([]Message, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := joinParts(ctx, q, out); err != nil {
		return nil, err
	}
	return out, nil
}

// joinParts adds their parts' text to the rows that have some, with one range
// read of the parts table for all of them (plus one for their sizes), so a
// page of long answers costs two queries, not two per answer.
func joinParts(ctx context.Context, q queryer, msgs []Message) error {
	idx := map[int64]int{}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for i, m := range msgs {
		if m.Status == StatusStreaming || m.parts > 0 {
			idx[m.ID] = i
			lo, hi = min(lo, m.ID), max(hi, m.ID)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	// Each message's text is built once, in a buffer of its final size (the
	// sizes come from the record headers, without reading the text).
	type sizes struct{ c, r int }
	want := map[int64]sizes{}
	srows, err := q.QueryContext(ctx, `SELECT message_id, sum(octet_length(content)), sum(octet_length(reasoning))
		FROM message_parts WHERE message_id BETWEEN ? AND ? GROUP BY message_id`, lo, hi)
	if err != nil {
		return fmt.Errorf("read checkpoints: %w", err)
	}
	for srows.Next() {
		var id int64
		var sz sizes
		if err := srows.Scan(&id, &sz.c, &sz.r); err != nil {
			srows.Close()
			return fmt.Errorf("read checkpoints: %w", err)
		}
		want[id] = sz
	}
	srows.Close()
	if err := srows.Err(); err != nil {
		return fmt.Errorf("read checkpoints: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT message_id, content, reasoning, reasoning_started_at, reasoning_ended_at
		FROM message_parts WHERE message_id BETWEEN ? AND ? ORDER BY message_id, part`, lo, hi)
	if err != nil {
		return fmt.Errorf("read checkpoints: %w", err)
	}
	defer rows.Close()
	cur := -1
	var c, r strings.Builder
	flush := func() {
		if cur >= 0 {
			msgs[cur].Content += c.String()
			msgs[cur].Reasoning += r.String()
		}
		c, r = strings.Builder{}, strings.Builder{}
	}
	for rows.Next() {
		var id int64
		var pc, pr string
		var rs, re sql.NullInt64
		if err := rows.Scan(&id, &pc, &pr, &rs, &re); err != nil {
			return fmt.Errorf("read checkpoints: %w", err)
		}
		i, ok := idx[id]
		if !ok {
			continue
		}
		if i != cur {
			flush()
			cur = i
			c.Grow(want[id].c)
			r.Grow(want[id].r)
		}
		c.WriteString(pc)
		r.WriteString(pr)
		if m := &msgs[i]; m.Status == StatusStreaming {
			if rs.Valid {
				m.ReasoningStartedAt = nullTime(rs)
			}
			if re.Valid {
				m.ReasoningEndedAt = nullTime(re)
			}
		}
	}
	flush()
	return rows.Err()
}

// withParts adds to a row the text kept in its parts: what a streaming row
// has checkpointed so far, or a finished row's checkpointed text.
func withParts(ctx context.Context, q queryer, m *Message) error {
	one := []Message{*m}
	if err := joinParts(ctx, q, one); err != nil {
		return fmt.Errorf("message %d: %w", m.ID, err)
	}
	*m = one[0]
	return nil
}

// attachMedia fills Media of msgs, which all belong to one chat. It asks
// for the chat's seq range rather than a list of ids, so the cost stays one
// index range scan however many messages are passed.
func attachMedia(ctx context.Context, q queryer, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(msgs))
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for i, m := range msgs {
		if m.ChatID != msgs[0].ChatID {
			return errors.New("attachMedia: messages of several chats")
		}
		idx[m.ID] = i
		lo, hi = min(lo, m.Seq), max(hi, m.Seq)
	}
	rows, err := q.QueryContext(ctx, `SELECT mm.message_id, md.id, md.mime, md.name, md.size
		FROM messages m
		JOIN message_media mm ON mm.message_id = m.id
		JOIN media md ON md.id = mm.media_id
		WHERE m.chat_id = ? AND m.seq BETWEEN ? AND ?
		ORDER BY mm.message_id, mm.position`, msgs[0].ChatID, lo, hi)
	if err != nil {
		return fmt.Errorf("load media: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var mid int64
		var r MediaRef
		if err := rows.Scan(&mid, &r.ID, &r.MIME, &r.Name, &r.Size); err != nil {
			return fmt.Errorf("load media: %w", err)
		}
		if i, ok := idx[mid]; ok {
			msgs[i].Media = append(msgs[i].Media, r)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load media: %w", err)
	}
	return nil
}

func getMessage(ctx context.Context, q queryer, id int64) (Message, error) {
	m, err := scanMessage(q.QueryRowContext(ctx, `SELECT `+msgCols+` FROM messages WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Message{}, err
	}
	if err := withParts(ctx, q, &m); err != nil {
		return Message{}, err
	}
	one := []Message{m}
	if err := attachMedia(ctx, q, one); err != nil {
		return Message{}, err
	}
	if err := attachSiblings(ctx, q, one); err != nil {
		return Message{}, err
	}
	if err := attachEvents(ctx, q, one); err != nil {
		return Message{}, err
	}
	return one[0], nil
}

// chatExists distinguishes "no messages" from "no chat" for list reads.
func chatExists(ctx context.Context, q queryer, chatID string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM chats WHERE id = ?`, chatID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("chat %q: %w", chatID, ErrNotFound)
	}
	return nil
}

// GetMessage returns one message with its media, or ErrNotFound.
func (s *Store) GetMessage(ctx context.Context, id int64) (Message, error) {
	var m Message
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		m, err = getMessage(ctx, tx, id)
		return err
	})
	if err != nil {
		return Message{}, fmt.Errorf("get message: %w", err)
	}
	return m, nil
}

// History returns the newest limit messages of the active path with seq <
// beforeSeq (0: no bound) in ascending seq order, and whether older ones
// exist. limit defaults to 50, max 500.
func (s *Store) History(ctx context.Context, chatID string, beforeSeq int64, limit int) ([]Message, bool, error) {
	limit = clampLimit(limit)
	if beforeSeq <= 0 {
		beforeSeq = math.MaxInt64
	}
	var msgs []Message
	var more bool
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := chatExists(ctx, tx, chatID); err != nil {
			return err
		}
		var err error
		msgs, err = queryMessages(ctx, tx, `SELECT `+msgCols+` FROM messages
			WHERE chat_id = ? AND on_path = 1 AND seq < ? ORDER BY seq DESC LIMIT ?`, chatID, beforeSeq, limit+1)
		if err != nil {
			return err
		}
		if len(msgs) > limit {
			more, msgs = true, msgs[:limit]
		}
		slices.Reverse(msgs)
		return withMediaAndSiblings(ctx, tx, msgs)
	})
	if err != nil {
		return nil, false, fmt.Errorf("history of %q: %w", chatID, err)
	}
	return msgs, more, nil
}

// MessagesSince returns the messages of the active path (and the questions
// waiting for their turn) with end_seq > since in ascending seq order:
// everything a client that has seen up to since lacks, as committed rows. A row still streaming has end_seq = seq (its turn_start), so it is
// included only when its start is newer than since; the live part of a
// running turn belongs to the engine, not the store.
func (s *Store) MessagesSince(ctx context.Context, chatID string, since int64) ([]Message, error) {
	var msgs []Message
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := chatExists(ctx, tx, chatID); err != nil {
			return err
		}
		var err error
		msgs, err = queryMessages(ctx, tx, `SELECT `+msgCols+` FROM messages
			WHERE chat_id = ? AND end_seq > ? AND (on_path = 1 OR waiting = 1) ORDER BY seq`, chatID, since)
		if err != nil {
			return err
		}
		return withMediaAndSiblings(ctx, tx, msgs)
	})
	if err != nil {
		return nil, fmt.Errorf("messages of %q since %d: %w", chatID, since, err)
	}
	return msgs, nil
}

// Transcript returns every message of the chat, on every branch, in seq
// order, with media: what an export holds. ActivePath is what the model sees.
func (s *Store) Transcript(ctx context.Context, chatID string) ([]Message, error) {
	msgs, err := s.wholeChat(ctx, chatID, "")
	if err != nil {
		return nil, fmt.Errorf("transcript of %q: %w", chatID, err)
	}
	return msgs, nil
}

// wholeChat reads the chat's messages that match filter (an SQL condition
// of this package's, "" for all) in seq order, with media.
func (s *Store) wholeChat(ctx context.Context, chatID, filter string) ([]Message, error) {
	var msgs []Message
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := chatExists(ctx, tx, chatID); err != nil {
			return err
		}
		var err error
		msgs, err = queryMessages(ctx, tx, `SELECT `+msgCols+` FROM messages
			WHERE chat_id = ? `+filter+` ORDER BY seq`, chatID)
		if err != nil {
			return err
		}
		if err := attachMedia(ctx, tx, msgs); err != nil {
			return err
		}
		return attachEvents(ctx, tx, msgs)
	})
	return msgs, err
}

// MessagesSincePage is MessagesSince a page at a time: the messages (of
// the active path, and waiting questions) with end_seq > since and seq > afterSeq, in ascending seq order, at most limit
// of them (0: all). A replay walks a chat of any size this way without one
// huge read.
func (s *Store) MessagesSincePage(ctx context.Context, chatID string, since, afterSeq int64, limit int) ([]Message, error) {
	if limit <= 0 {
		limit = -1
	}
	var msgs []Message
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := chatExists(ctx, tx, chatID); err != nil {
			return err
		}
		var err error
		msgs, err = queryMessages(ctx, tx, `SELECT `+msgCols+` FROM messages
			WHERE chat_id = ? AND seq > ? AND end_seq > ? AND (on_path = 1 OR waiting = 1) ORDER BY seq LIMIT ?`, chatID, afterSeq, since, limit)
		if err != nil {
			return err
		}
		return withMediaAndSiblings(ctx, tx, msgs)
	})
	if err != nil {
		return nil, fmt.Errorf("messages of %q since %d after %d: %w", chatID, since, afterSeq, err)
	}
	return msgs, nil
}

// MessageBySeq returns the message of chatID created by the event seq, or
// ErrNotFound.
func (s *Store) MessageBySeq(ctx context.Context, chatID string, seq int64) (Message, error) {
	var m Message
	err := s.read(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM messages WHERE chat_id = ? AND seq = ?`, chatID, seq).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("message %d of %q: %w", seq, chatID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		m, err = getMessage(ctx, tx, id)
		return err
	})
	if err != nil {
		return Message{}, fmt.Errorf("get message: %w", err)
	}
	return m, nil
}

func withMediaAndSiblings(ctx context.Context, q queryer, msgs []Message) error {
	if err := attachMedia(ctx, q, msgs); err != nil {
		return err
	}
	if err := attachEvents(ctx, q, msgs); err != nil {
		return err
	}
	return attachSiblings(ctx, q, msgs)
}

// ActivePath returns the chat's active path in seq order, with media: the
// conversation as the model sees it.
func (s *Store) ActivePath(ctx context.Context, chatID string) ([]Message, error) {
	msgs, err := s.wholeChat(ctx, chatID, "AND on_path = 1")
	if err != nil {
		return nil, fmt.Errorf("path of %q: %w", chatID, err)
	}
	return msgs, nil
}
