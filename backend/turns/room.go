package turns

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// Sink receives encoded frames for one connection. Send must never block: a
// connection that cannot keep up is dropped by its own shell and resumes later.
type Sink interface {
	Send(frame []byte)
}

// seqReserveBlock is how far ahead of the in-memory counter seqs are reserved in
// the store, so deltas (which are not written one by one) never reuse a seq after a
// crash: a restarted server starts above the reservation. A reservation is a
// synced commit, so the block is large: a model streaming one-token deltas at
// full speed reserves a few times per answer, not hundreds. Seqs skip what is
// left of a block when a chat is reloaded; they are int64, and stay far below
// 2^53 (JavaScript's exact integers) at that rate.
const seqReserveBlock = 1 << 14

// frame is one encoded chat event with its seq.
type frame struct {
	seq  int64
	data []byte
}

// room is the fan-out unit: one chat's subscribers, its seq counter and its
// running turn. Every event of the chat is sequenced and delivered under mu, so
// the last step of an attach (replay of the tail + subscribe) can never
// interleave with a publish: no gap, no duplicate. mu also guards every field
// of the running turn that streaming touches (see turn); it is the only lock
// of a turn, so there is no lock order to keep but Engine.mu before room.mu
// (evict is the one place that nests them).
type room struct {
	mu       sync.Mutex
	id       string
	st       *store.Store // where the chat is kept
	nextSeq  int64
	reserved int64
	subs     map[Sink]struct{}
	turn     *turn
	queue    []*turn
	deleted  bool
	// evicted: this room left Engine.rooms while idle; whoever locked it
	// after that must look the chat up again (lockRoom does).
	evicted bool
	// approvals are the running turn's calls waiting for the user, by call id.
	approvals map[string]*pendingApproval
}

func newRoom(id string, lastSeq, hwm int64) *room {
	top := max(lastSeq, hwm)
	return &room{id: id, nextSeq: top + 1, reserved: top, subs: map[Sink]struct{}{}}
}

// idleLocked: nothing but the store needs this room. Caller holds r.mu.
func (r *room) idleLocked() bool {
	return len(r.subs) == 0 && r.turn == nil && len(r.queue) == 0
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

// publishLocked delivers an event to every subscriber except skip. Caller
// holds r.mu.
func (r *room) publishLocked(data []byte, skip Sink) {
	for s := range r.subs {
		if s != skip {
			s.Send(data)
		}
	}
}

// lastSeqLocked is the highest seq handed out so far.
func (r *room) lastSeqLocked() int64 { return r.nextSeq - 1 }

// sortFrames orders frames by seq, keeping only those above since. Pure, so
// the replay rules are testable.
func sortFrames(fs []frame, since int64) []frame {
	out := make([]frame, 0, len(fs))
	for _, f := range fs {
		if f.seq > since {
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

func encode(e protocol.Event) []byte { return protocol.Encode(e) }
