package turns

import (
	"context"
	"errors"
	"fmt"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/view"
)

// HistoryWindow is History for a page that need not end at the newest
// message: the page around aroundSeq (> 0), else the page after *afterSeq.
// Like History it stops below a running turn (and the questions queued
// behind it), which the attach replay brings, and returns the last_seq an
// attach continues from; newer says messages follow the page below that
// bound.
func (e *Engine) HistoryWindow(ctx context.Context, chatID string, afterSeq *int64, aroundSeq int64, limit int) (msgs []protocol.Message, older, newer bool, last int64, err error) {
	r, err := e.lockRoom(ctx, chatID)
	if err != nil {
		return nil, false, false, 0, err
	}
	last = r.lastSeqLocked()
	if r.turn != nil && r.turn.startSeq > 0 {
		last = r.turn.startSeq - 1
	}
	// Questions still queued are on no path, so no window holds them: the
	// first page and the replay bring them.
	r.mu.Unlock()
	e.maybeEvict(r)
	var rows []store.Message
	if aroundSeq > 0 {
		rows, older, newer, err = e.st(chatID).HistoryAround(ctx, chatID, min(aroundSeq, last+1), last, limit)
	} else {
		var after int64
		if afterSeq != nil {
			after = *afterSeq
		}
		rows, older, newer, err = e.st(chatID).HistoryAfter(ctx, chatID, after, last, limit)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, false, 0, protocol.Refuse(protocol.ReasonNotFound, "no chat %s", chatID)
	}
	if err != nil {
		return nil, false, false, 0, fmt.Errorf("history of %s: %w", chatID, err)
	}
	msgs = make([]protocol.Message, 0, len(rows))
	for _, m := range rows {
		msgs = append(msgs, view.Message(m, e.opts.MediaURL))
	}
	return msgs, older, newer, last, nil
}
