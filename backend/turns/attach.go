package turns

import (
	"context"
	"errors"
	"fmt"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/view"
)

// pacedSink is a Sink that can wait until its client has taken what it was
// sent, so a replay feeds it page by page instead of all at once.
type pacedSink interface {
	WaitRoom(ctx context.Context, below int) error
}

const (
	// replayPage is how many stored messages a replay reads at a time.
	replayPage = 256
	// replayRoom: a replay sends its next page once the client holds at
	// most this much unsent.
	replayRoom = 1 << 20
)

// lockRoom returns the chat's live room, locked. A room evicted between the
// lookup and the lock is looked up again.
func (e *Engine) lockRoom(ctx context.Context, chatID string) (*room, error) {
	for {
		r, err := e.roomFor(ctx, chatID)
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		if r.evicted {
			r.mu.Unlock()
			continue
		}
		if r.deleted {
			r.mu.Unlock()
			return nil, protocol.Refuse(protocol.ReasonNotFound, "chat %s was deleted", chatID)
		}
		return r, nil
	}
}

// maybeEvict drops a room nobody needs from memory: no subscriber, no turn,
// no queue. Its seq counter comes back from the store (above the durable
// reservation) when the chat is used again.
func (e *Engine) maybeEvict(r *room) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.evicted || !r.idleLocked() || e.rooms[r.id] != r {
		return
	}
	r.evicted = true
	delete(e.rooms, r.id)
}

// Rooms is how many chats have live state in memory.
func (e *Engine) Rooms() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.rooms)
}

// replayPager turns stored messages, read a page at a time in seq order,
// into their snapshot frames in seq order. A frame's seq is at least its
// message's, so once messages up to seq W are read every frame up to W is
// known and can go out; later frames of those messages (the end of a turn
// that finished after newer messages were queued) wait for their turn.
type replayPager struct {
	since   int64
	url     view.MediaURL
	pending []frame
}

// add takes the next page (ascending seq, finished rows) and returns the
// frames that can be sent now.
func (p *replayPager) add(msgs []store.Message) []frame {
	if len(msgs) == 0 {
		return nil
	}
	for _, m := range msgs {
		p.pending = append(p.pending, snapshotFrames(m, p.url)...)
	}
	all := sortFrames(p.pending, p.since)
	w := msgs[len(msgs)-1].Seq
	i := 0
	for i < len(all) && all[i].seq <= w {
		i++
	}
	p.pending = all[i:]
	return all[:i]
}

// Attach replays what sink missed since `since` (nil: only the running turn),
// then subscribes it and confirms with attached.
//
// The stored part of the replay is read and sent page by page without the
// chat's lock, at the pace the client reads, so a late joiner to a huge chat
// never delays anyone else's deltas. Only the tail — what was committed
// meanwhile and the running turn, whose deltas are merged into a few frames
// — is sent under the lock, right before subscribing: no gap, no duplicate.
func (e *Engine) Attach(ctx context.Context, chatID string, since *int64, sink Sink, reqID string) error {
	from := int64(0)
	if since != nil {
		from = *since
	}
	pager := &replayPager{since: from, url: e.opts.MediaURL}
	after := int64(0)
	// A client that missed a branch switch holds a path that is no longer
	// the chat's: no replay of events can patch it. It is told to reload
	// (branch_switched) and gets only the running turn, which history
	// leaves out. (since 0 holds nothing: the replay is the whole path.)
	startBranch := e.branchSeq(ctx, chatID)
	reload := false
	if since != nil && from > 0 && startBranch > from {
		since, from, reload = nil, 0, true
		pager.since = 0
	}
	if since != nil {
		var err error
		if after, err = e.replayStored(ctx, chatID, pager, sink); err != nil {
			return err
		}
	}
	r, err := e.lockRoom(ctx, chatID)
	if err != nil {
		return err
	}
	defer r.mu.Unlock()
	c, err := e.st(chatID).GetChat(ctx, chatID)
	if err != nil {
		return fmt.Errorf("load chat %s: %w", chatID, err)
	}
	var tail []frame
	// (A switch while the stored part was replayed counts too.)
	if reload || (since != nil && c.BranchSeq > startBranch) {
		tail = append(tail, frame{seq: c.BranchSeq, data: encode(protocol.BranchSwitched("", chatID, c.BranchSeq, c.ActiveLeaf))})
	}
	if since != nil {
		msgs, err := e.st(chatID).MessagesSincePage(ctx, chatID, from, after, 0)
		if err != nil {
			return fmt.Errorf("replay chat %s: %w", chatID, err)
		}
		for _, m := range msgs {
			if r.turn != nil && m.ID == r.turn.msgID {
				continue
			}
			tail = append(tail, snapshotFrames(m, e.opts.MediaURL)...)
		}
		tail = append(tail, pager.pending...)
	}
	status, turnID := protocol.ChatIdle, ""
	if r.turn != nil {
		status, turnID = protocol.ChatRunning, r.turn.id
		if r.turn.msgID != 0 {
			tail = append(tail, replayLive(r.turn.liveLocked(), from, maxReplayText)...)
		}
	}
	for _, f := range sortFrames(tail, from) {
		sink.Send(f.data)
	}
	r.subs[sink] = struct{}{}
	cv := view.Chat(c, r.turn != nil)
	cv.AwaitingApproval = r.waitingLocked() > 0
	sink.Send(encode(protocol.Attached(reqID, cv, r.lastSeqLocked(), status, turnID)))
	return nil
}

// replayStored sends the finished messages above the pager's since, up to
// the first message still streaming, and returns the seq of the last message
// it read.
func (e *Engine) replayStored(ctx context.Context, chatID string, p *replayPager, sink Sink) (int64, error) {
	paced, _ := sink.(pacedSink)
	after := int64(0)
	for {
		if paced != nil {
			if err := paced.WaitRoom(ctx, replayRoom); err != nil {
				return 0, fmt.Errorf("replay chat %s: %w", chatID, err)
			}
		}
		msgs, err := e.st(chatID).MessagesSincePage(ctx, chatID, p.since, after, replayPage)
		if errors.Is(err, store.ErrNotFound) {
			return 0, protocol.Refuse(protocol.ReasonNotFound, "no chat %s", chatID)
		}
		if err != nil {
			return 0, fmt.Errorf("replay chat %s: %w", chatID, err)
		}
		full := len(msgs) == replayPage
		for i, m := range msgs {
			if m.Status == store.StatusStreaming {
				// The running turn replays from memory, under the lock.
				msgs, full = msgs[:i], false
				break
			}
		}
		for _, f := range p.add(msgs) {
			sink.Send(f.data)
		}
		if len(msgs) > 0 {
			after = msgs[len(msgs)-1].Seq
		}
		if !full {
			return after, nil
		}
	}
}

// Detach unsubscribes sink from one chat.
func (e *Engine) Detach(chatID string, sink Sink) {
	var left *room
	e.inRoom(chatID, func(r *room) { delete(r.subs, sink); left = r })
	if left != nil {
		e.forgetTemporary(chatID)
		e.maybeEvict(left)
	}
}

// DetachAll unsubscribes a closing connection everywhere. Its turns go on.
func (e *Engine) DetachAll(sink Sink) {
	e.agentGone(sink)
	e.mu.Lock()
	rooms := make([]*room, 0, len(e.rooms))
	for _, r := range e.rooms {
		rooms = append(rooms, r)
	}
	e.mu.Unlock()
	for _, r := range rooms {
		r.mu.Lock()
		_, was := r.subs[sink]
		delete(r.subs, sink)
		r.mu.Unlock()
		if was {
			e.forgetTemporary(r.id)
			e.maybeEvict(r)
		}
	}
}

// Subscribed reports whether sink follows the chat: the one record of which
// chats a connection is attached to (the router's detach check asks it).
func (e *Engine) Subscribed(chatID string, sink Sink) bool {
	subscribed := false
	e.inRoom(chatID, func(r *room) { _, subscribed = r.subs[sink] })
	return subscribed
}

// branchSeq is the seq of the chat's last branch switch (0: none, or no
// such chat, which the attach finds out itself).
func (e *Engine) branchSeq(ctx context.Context, chatID string) int64 {
	c, err := e.st(chatID).GetChat(ctx, chatID)
	if err != nil {
		return 0
	}
	return c.BranchSeq
}
