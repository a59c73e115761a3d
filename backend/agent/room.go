package agent

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/hearth-app/hearth/backend/protocol"
)

// Sink receives encoded frames for one connection. Send must never block: a
// connection that cannot keep up is dropped by its own shell and resumes later.
type Sink interface {
	Send(frame []byte)
}

// seqReserveBlock is how far ahead of the in-memory counter seqs are reserved in
// the store, so deltas (which are not written one by one) never reuse a seq after a
// crash: a restarted server starts above the reservation.
const seqReserveBlock = 1024

// frame is one encoded chat event with its seq, kept for late joiners.
type frame struct {
	seq  int64
	data []byte
}

// room is the fan-out unit: one chat's subscribers, its seq counter and its
// running turn. Every event of the chat is sequenced and delivered under mu, so
// attach (replay + subscribe) can never interleave with a publish: no gap, no
// duplicate.
type room struct {
	mu       sync.Mutex
	id       string
	nextSeq  int64
	reserved int64
	subs     map[Sink]struct{}
	turn     *turn
	queue    []*turn
	deleted  bool
}

func newRoom(id string, lastSeq, hwm int64) *room {
	top := max(lastSeq, hwm)
	return &room{id: id, nextSeq: top + 1, reserved: top, subs: map[Sink]struct{}{}}
}

// allocLocked hands out the next seq, reserving a block in the store first when
// the reservation is used up. Caller holds r.mu.
func (r *room) allocLocked(ctx context.Context, reserve func(ctx context.Context, chatID string, upTo int64) error) (int64, error) {
	if r.nextSeq > r.reserved {
		upTo := r.nextSeq + seqReserveBlock - 1
		if err := reserve(ctx, r.id, upTo); err != nil {
			return 0, fmt.Errorf("reserve seqs for chat %s: %w", r.id, err)
		}
		r.reserved = upTo
	}
	s := r.nextSeq
	r.nextSeq++
	return s, nil
}

// publishLocked delivers an event to every subscriber except skip, and records it
// in the running turn's buffer when it belongs to one. Caller holds r.mu.
func (r *room) publishLocked(seq int64, data []byte, buffer bool, skip Sink) {
	if buffer && r.turn != nil {
		r.turn.frames = append(r.turn.frames, frame{seq: seq, data: data})
	}
	for s := range r.subs {
		if s != skip {
			s.Send(data)
		}
	}
}

// lastSeqLocked is the highest seq handed out so far.
func (r *room) lastSeqLocked() int64 { return r.nextSeq - 1 }

// mergeReplay orders stored snapshot events and the running turn's buffered frames
// by seq, keeping only those above since. Pure, so the replay rules are testable.
func mergeReplay(stored []frame, running []frame, since int64) [][]byte {
	all := make([]frame, 0, len(stored)+len(running))
	for _, f := range stored {
		if f.seq > since {
			all = append(all, f)
		}
	}
	for _, f := range running {
		if f.seq > since {
			all = append(all, f)
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	out := make([][]byte, len(all))
	for i, f := range all {
		out[i] = f.data
	}
	return out
}

func encode(e protocol.Event) []byte { return protocol.Encode(e) }
