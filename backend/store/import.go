package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hearth-app/hearth/backend/ids"
)

// ImportChat stores a chat from an export as a new chat. The chat keeps its
// ID unless that is invalid or taken, then a fresh one is generated. Messages
// keep their slice order and are renumbered from seq 1, or from above the seqs
// of a deleted chat that had the ID (see importSeqs), since
// the original event stream is not part of an export;
// a row exported mid-stream becomes 'interrupted'. Parent links are kept when
// the parent is among msgs. Media must already be stored (ErrMissingMedia).
// CreatedAt is kept; UpdatedAt is now, so the import shows on top.
func (s *Store) ImportChat(ctx context.Context, c Chat, msgs []Message) (Chat, error) {
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
	}
	var out Chat
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.nowMS()
		nc := NewChat{ID: c.ID, Title: c.Title, Model: c.Model, System: c.System}
		if !ids.ValidChat(nc.ID) {
			nc.ID = ""
		} else if err := chatExists(ctx, tx, nc.ID); err == nil {
			nc.ID = ""
		}
		created := now
		if !c.CreatedAt.IsZero() {
			created = c.CreatedAt.UnixMilli()
		}
		var base int64
		if nc.ID != "" {
			var err error
			if base, _, err = tombstoneHWM(ctx, tx, nc.ID); err != nil {
				return err
			}
		}
		plan, n := importSeqs(msgs, base)
		chat, err := insertChat(ctx, tx, nc, created, now, n, c.Pinned)
		if err != nil {
			return err
		}
		newIDs := make(map[int64]int64, len(msgs))
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
			if m.ParentID != nil {
				if p, ok := newIDs[*m.ParentID]; ok {
					m.ParentID = &p
				} else {
					m.ParentID = nil
				}
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
			if m.ID != 0 {
				newIDs[m.ID] = id
			}
			ids := make([]string, len(m.Media))
			for j, r := range m.Media {
				ids[j] = r.ID
			}
			if err := linkMedia(ctx, tx, id, ids); err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
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

// importSeq is the seqs one imported message gets.
type importSeq struct{ seq, reasoningEnd, streamEnd, end int64 }

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
			p.streamEnd = take()
			p.end = take()
		} else {
			p.end = p.seq
		}
		plan[i] = p
	}
	return plan, next - 1
}
