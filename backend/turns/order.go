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
