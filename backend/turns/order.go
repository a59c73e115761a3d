package turns

import (
	"cmp"
	"slices"

	"github.com/hearth-app/hearth/backend/protocol"
)

// Every view shows a chat in the order the model sees it: each question
// followed by its own answer. Seqs give that order for everything but the
// questions still waiting behind the running turn: they keep the seq they were
// sent with until their turn opens and moves them (store.OpenQueued), so
// until then they are marked queued and shown after everything else, in the
// order they were sent.

// queuedLocked is the set of user message ids waiting in the chat's queue.
// Caller holds r.mu.
func (r *room) queuedLocked() map[int64]bool {
	if len(r.queue) == 0 {
		return nil
	}
	ids := make(map[int64]bool, len(r.queue))
	for _, t := range r.queue {
		ids[t.userMsgID] = true
	}
	return ids
}

// QueuedIDs is the set of the chat's questions still waiting for their turn.
func (e *Engine) QueuedIDs(chatID string) map[int64]bool {
	var ids map[int64]bool
	e.inRoom(chatID, func(r *room) { ids = r.queuedLocked() })
	return ids
}

// InModelOrder sorts messages as they are shown: by seq, the queued ones last
// (each keeps its place among the queued). Pure.
func InModelOrder(msgs []protocol.Message) {
	slices.SortStableFunc(msgs, func(a, b protocol.Message) int {
		if a.Queued != b.Queued {
			if a.Queued {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.Seq, b.Seq)
	})
}
