package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
)

// HistoryAround and HistoryAfter read the active path.

// HistoryAround returns a page of about limit messages centred on the
// message with seq aroundSeq (or, without one, on where it would be): up to
// half of them older, the rest from aroundSeq on, and the older side filled up
// when the newer one runs out. Only seqs <= upTo are read (0: no bound), so a
// caller can leave out what is still being written. The page is in ascending
// seq order; older and newer say whether messages exist beyond either end.
// limit defaults to 50, max 500. A search result opens its chat here.
func (s *Store) HistoryAround(ctx context.Context, chatID string, aroundSeq, upTo int64, limit int) (msgs []Message, older, newer bool, err error) {
	limit = clampLimit(limit)
	return s.window(ctx, chatID, aroundSeq, upTo, limit-limit/2, limit, true)
}

// HistoryAfter pages a chat downward: the oldest limit messages with
// seq > afterSeq (and <= upTo, 0: no bound) in ascending seq order, and
// whether older and newer ones exist. limit defaults to 50, max 500.
func (s *Store) HistoryAfter(ctx context.Context, chatID string, afterSeq, upTo int64, limit int) (msgs []Message, older, newer bool, err error) {
	limit = clampLimit(limit)
	return s.window(ctx, chatID, afterSeq+1, upTo, limit, limit, false)
}

// window reads up to newerWant messages from seq `from` upward, then (if
// fill) fills the page to total with older ones below `from`, in one read
// transaction.
func (s *Store) window(ctx context.Context, chatID string, from, upTo int64, newerWant, total int, fill bool) ([]Message, bool, bool, error) {
	if upTo <= 0 {
		upTo = math.MaxInt64
	}
	var msgs []Message
	var older, newer bool
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := chatExists(ctx, tx, chatID); err != nil {
			return err
		}
		// Read enough newer rows to fill the page should the older side run
		// short, then keep what the older side leaves room for.
		newerRead := newerWant
		if fill {
			newerRead = total
		}
		after, err := queryMessages(ctx, tx, `SELECT `+msgCols+` FROM messages
			WHERE chat_id = ? AND on_path = 1 AND seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`, chatID, from, upTo, newerRead+1)
		if err != nil {
			return err
		}
		var before []Message
		if want := total - min(len(after), newerWant); fill && want > 0 {
			before, err = queryMessages(ctx, tx, `SELECT `+msgCols+` FROM messages
				WHERE chat_id = ? AND on_path = 1 AND seq < ? ORDER BY seq DESC LIMIT ?`, chatID, from, want+1)
			if err != nil {
				return err
			}
			if len(before) > want {
				older, before = true, before[:want]
			}
			slices.Reverse(before)
		} else {
			// Nothing older was asked for; say whether there is any.
			err := tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM messages WHERE chat_id = ? AND on_path = 1 AND seq < ?)`, chatID, from).Scan(&older)
			if err != nil {
				return err
			}
		}
		if keep := total - len(before); len(after) > keep {
			newer, after = true, after[:keep]
		}
		msgs = append(before, after...)
		return withMediaAndSiblings(ctx, tx, msgs)
	})
	if err != nil {
		return nil, false, false, fmt.Errorf("history of %q from %d: %w", chatID, from, err)
	}
	return msgs, older, newer, nil
}
