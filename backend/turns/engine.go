// Package turns is the turn engine: one running turn per chat, a queue behind it,
// cancel, streaming persistence, and publication of every chat event to the
// chat's subscribers with a durable per-chat seq.
package turns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hearth-app/hearth/backend/ids"
	"github.com/hearth-app/hearth/backend/ingest"
	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/view"
)

// Options configures an Engine.
type Options struct {
	Store *store.Store
	// Temp keeps the temporary chats (ids.IsTemporary), in memory only;
	// nil refuses them.
	Temp      *store.Store
	Files     *media.Files
	Ingest    *ingest.Ingester
	Providers llm.Source
	// Broadcast sends a frame to every connection (chat_created and friends).
	Broadcast func(frame []byte)
	MediaURL  view.MediaURL
	Logger    *slog.Logger
	// CheckpointEvery bounds how many streamed tokens a crash can lose.
	CheckpointEvery time.Duration
	// MaxAnswerBytes and MaxReasoningBytes cut one answer (its text, its
	// reasoning) that grows past them: a looping model cannot fill memory
	// or disk. Default 4 MiB each.
	MaxAnswerBytes, MaxReasoningBytes int
	// ImageTurns is how many of the last user messages with images send
	// their images to the model (default 4).
	ImageTurns int
	// DocumentChars is how many characters of each attached document's
	// text go to the model (default 16,000); a longer text is cut with a
	// note saying so.
	DocumentChars int
	// Titles names a chat from the model after its first exchange.
	Titles TitleOptions
	// Params are the default sampling parameters (config.toml's [params]);
	// a chat's own override them one by one.
	Params protocol.Params
	// Tools are the MCP servers' tools (nil: none). ToolSteps bounds the
	// model requests of one answer (default 20), ToolResultChars what the
	// model reads of one result (default 16,000), ApprovalTimeout how long
	// a call waits for the user before it is denied (default 10 minutes).
	Tools           Toolbox
	ToolSteps       int
	ToolResultChars int
	ApprovalTimeout time.Duration
	// AgentMediaURL is an attachment's URL as an agent fetches it (an
	// absolute, signed URL); nil uses MediaURL.
	AgentMediaURL view.MediaURL
}

// defaultMaxTextBytes caps an answer and its reasoning when the caller sets no cap
// (config.DefaultMaxTextBytes is what users get).
const defaultMaxTextBytes = 4 << 20

// maxTextLimit keeps a turn's text offsets within 32 bits.
const maxTextLimit = 1 << 30

// Engine runs turns and owns every chat's live state.
//
// Lock order: Engine.mu (the rooms map), then one room's mu; never the other
// way, and never two rooms at once. A turn has no lock of its own: the fields
// streaming touches are guarded by its room's mu (see turn), so "turn then
// room" is one lock. life is taken alone, around wg.Add, and nests nothing.
// Store calls are made under a room's mu only where their order with the
// chat's events matters (commits, seq reservations, the final write).
type Engine struct {
	opts Options
	log  *slog.Logger
	ctx  context.Context
	stop context.CancelCauseFunc
	// wg counts running turns and calls that may start one; life guards
	// stopping, so no call counts itself in after Shutdown began to wait.
	wg       sync.WaitGroup
	life     sync.Mutex
	stopping bool
	// mu guards rooms; it is taken before a room's lock, never after.
	mu    sync.Mutex
	rooms map[string]*room
	// toolsMu guards noTools: the models that refused tools in this run.
	toolsMu sync.Mutex
	noTools map[string]bool
	// agentsMu guards the agent registry (see agents.go): agents by name
	// and by connection, and every agent known (name → description).
	agentsMu    sync.Mutex
	agents      map[string]*agentConn
	agentBySink map[Sink]*agentConn
	known       map[string]string
}

var (
	errCancelled = errors.New("cancelled by a client")
	errShutdown  = errors.New("server shutting down")
	errDeleted   = errors.New("chat deleted")
	errTooLong   = errors.New("answer reached its size limit")
	// errTurnOver releases a finished turn's context: an uncancelled child
	// stays registered in the engine's context for as long as it lives.
	errTurnOver = errors.New("turn over")
)

// New makes an engine. Call Recover before serving clients.
func New(opts Options) *Engine {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = 250 * time.Millisecond
	}
	if opts.Broadcast == nil {
		opts.Broadcast = func([]byte) {}
	}
	if opts.MaxAnswerBytes <= 0 || opts.MaxAnswerBytes > maxTextLimit {
		opts.MaxAnswerBytes = defaultMaxTextBytes
	}
	if opts.MaxReasoningBytes <= 0 || opts.MaxReasoningBytes > maxTextLimit {
		opts.MaxReasoningBytes = defaultMaxTextBytes
	}
	if opts.ImageTurns <= 0 {
		opts.ImageTurns = 4
	}
	if opts.DocumentChars <= 0 {
		opts.DocumentChars = defaultDocumentChars
	}
	if opts.MediaURL == nil {
		opts.MediaURL = func(id string) string { return "/media/" + id }
	}
	if opts.ToolSteps <= 0 {
		opts.ToolSteps = defaultToolSteps
	}
	if opts.ToolResultChars <= 0 {
		opts.ToolResultChars = defaultToolResultChars
	}
	if opts.ApprovalTimeout <= 0 {
		opts.ApprovalTimeout = defaultApprovalTimeout
	}
	if opts.AgentMediaURL == nil {
		opts.AgentMediaURL = opts.MediaURL
	}
	ctx, stop := context.WithCancelCause(context.Background())
	return &Engine{opts: opts, log: opts.Logger, ctx: ctx, stop: stop, rooms: map[string]*room{}, noTools: map[string]bool{},
		agents: map[string]*agentConn{}, agentBySink: map[Sink]*agentConn{}, known: map[string]string{}}
}

// Recover marks turns that were streaming when the last process died as
// interrupted, keeping their text, and starts the turns that were queued.
func (e *Engine) Recover(ctx context.Context) error {
	msgs, err := e.opts.Store.RecoverInterrupted(ctx)
	if err != nil {
		return fmt.Errorf("recover interrupted turns: %w", err)
	}
	for _, m := range msgs {
		e.log.Info("turn interrupted by an earlier shutdown", "chat", m.ChatID, "turn", m.TurnID, "kept_chars", len(m.Content))
	}
	if !e.enter() {
		return errShutdown
	}
	defer e.wg.Done()
	if err := e.resumeQueues(ctx); err != nil {
		return fmt.Errorf("resume queued messages: %w", err)
	}
	return nil
}

// Shutdown ends every running turn as interrupted (recorded with its partial
// text) and waits for them to be written, or for ctx.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.life.Lock()
	e.stopping = true
	e.life.Unlock()
	e.stop(errShutdown)
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for turns to end: %w", ctx.Err())
	}
}

func (e *Engine) running() bool { return e.ctx.Err() == nil }

// st is the store that keeps chatID: the memory store for a temporary
// chat, else the database.
func (e *Engine) st(chatID string) *store.Store {
	if ids.IsTemporary(chatID) && e.opts.Temp != nil {
		return e.opts.Temp
	}
	return e.opts.Store
}

// enter counts a call that may start turns into wg, unless Shutdown began;
// the caller calls wg.Done when it returns.
func (e *Engine) enter() bool {
	e.life.Lock()
	defer e.life.Unlock()
	if e.stopping {
		return false
	}
	e.wg.Add(1)
	return true
}

// roomFor loads (or returns) the live state of a chat.
func (e *Engine) roomFor(ctx context.Context, chatID string) (*room, error) {
	e.mu.Lock()
	r, ok := e.rooms[chatID]
	e.mu.Unlock()
	if ok {
		return r, nil
	}
	c, err := e.st(chatID).GetChat(ctx, chatID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, protocol.Refuse(protocol.ReasonNotFound, "no chat %s", chatID)
	}
	if err != nil {
		return nil, fmt.Errorf("load chat %s: %w", chatID, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.rooms[chatID]; ok {
		return r, nil
	}
	r = newRoom(chatID, c.LastSeq, c.SeqHWM)
	r.st = e.st(chatID)
	e.rooms[chatID] = r
	return r, nil
}

// IsRunning reports whether a turn is streaming in the chat.
func (e *Engine) IsRunning(chatID string) bool {
	running := false
	e.inRoom(chatID, func(r *room) { running = r.turn != nil })
	return running
}

// inRoom runs fn under the lock of the chat's room, if the chat has one in
// memory; a chat without one has no turn and no subscriber.
func (e *Engine) inRoom(chatID string, fn func(r *room)) {
	e.mu.Lock()
	r, ok := e.rooms[chatID]
	e.mu.Unlock()
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r)
}

// broadcastChat tells every connection a chat's new state (activity, running).
func (e *Engine) broadcastChat(ctx context.Context, chatID string) {
	c, err := e.st(chatID).GetChat(ctx, chatID)
	if err != nil {
		return
	}
	e.opts.Broadcast(encode(protocol.ChatUpdated("", e.ChatView(c))))
}

// ChatView is a chat as clients see it, with what only the engine knows:
// whether a turn runs in it and whether a call waits for the user.
func (e *Engine) ChatView(c store.Chat) protocol.Chat {
	v := view.Chat(c, false)
	e.inRoom(c.ID, func(r *room) {
		v.Running = r.turn != nil
		v.AwaitingApproval = r.waitingLocked() > 0
	})
	return v
}

// Cancel stops the running turn of a chat (or removes a queued one by id)
// and returns the id of the turn it stopped, for the cancel's reply.
func (e *Engine) Cancel(ctx context.Context, chatID, turnID string) (string, error) {
	r, err := e.lockRoom(ctx, chatID)
	if err != nil {
		return "", err
	}
	defer e.maybeEvict(r)
	defer r.mu.Unlock()
	if r.turn == nil {
		return "", protocol.Refuse(protocol.ReasonNotRunning, "no turn is running in chat %s", chatID)
	}
	if turnID != "" && turnID != r.turn.id {
		for i, q := range r.queue {
			if q.id == turnID {
				q.cancel(errCancelled)
				r.queue = append(r.queue[:i], r.queue[i+1:]...)
				// The question stays, as a branch of its own off the path.
				seq, err := r.allocLocked(ctx, r.st.ReserveSeq)
				if err == nil {
					err = r.st.SetAside(ctx, r.id, q.userMsgID, seq, queueSetting(r.id, r.queue))
				}
				if err != nil {
					e.log.Warn("could not set a cancelled question aside", "chat", r.id, "err", err)
				}
				return q.id, nil
			}
		}
		return "", protocol.Refuse(protocol.ReasonNotRunning, "turn %s is not running in chat %s", turnID, chatID)
	}
	r.turn.cancel(errCancelled)
	return r.turn.id, nil
}

// History pages a chat upward. Its last_seq is the seq an attach continues from:
// a running turn is left out of the page and comes with the attach replay, so
// nothing is shown twice. The page is read outside the chat's lock, bounded
// by what was committed when the lock was held, so a long page never delays
// the chat's live events.
//
// leafID, when set, pages the path that ends at that message instead of the
// active one (a look at another version without switching to it).
func (e *Engine) History(ctx context.Context, chatID string, beforeSeq, leafID int64, limit int) ([]protocol.Message, bool, int64, error) {
	r, err := e.lockRoom(ctx, chatID)
	if err != nil {
		return nil, false, 0, err
	}
	last := r.lastSeqLocked()
	if r.turn != nil && r.turn.startSeq > 0 {
		last = r.turn.startSeq - 1
	}
	var waiting []int64 // the queued questions' seqs, in the order they wait
	for _, q := range r.queue {
		waiting = append(waiting, q.userSeq)
	}
	r.mu.Unlock()
	e.maybeEvict(r)
	first := beforeSeq <= 0 || beforeSeq > last
	if first {
		beforeSeq = last + 1
	}
	var msgs []store.Message
	var more bool
	if leafID > 0 {
		msgs, more, err = e.st(chatID).PathTo(ctx, chatID, leafID, beforeSeq, limit)
		waiting = nil
	} else {
		msgs, more, err = e.st(chatID).History(ctx, chatID, beforeSeq, limit)
	}
	if leafID > 0 && err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
			return nil, false, 0, storeRefusal(err, chatID, leafID)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, 0, protocol.Refuse(protocol.ReasonNotFound, "no chat %s", chatID)
	}
	if err != nil {
		return nil, false, 0, fmt.Errorf("history of %s: %w", chatID, err)
	}
	// Queued questions are on no path (the store marks them waiting), so
	// no page holds them: the first page carries them all, at the end.
	out := make([]protocol.Message, 0, len(msgs)+len(waiting))
	for _, m := range msgs {
		out = append(out, view.Message(m, e.opts.MediaURL))
	}
	if first {
		for _, seq := range waiting {
			m, err := e.st(chatID).MessageBySeq(ctx, chatID, seq)
			if err != nil {
				continue // opened or cancelled since: the next page or the live events have it
			}
			pm := view.Message(m, e.opts.MediaURL)
			pm.Queued = true
			out = append(out, pm)
		}
	}
	InModelOrder(out)
	return out, more, last, nil
}

// CloseChat ends a chat's live state for good: its turn and queue are
// cancelled, and remove (which deletes the chat's rows) runs under the chat's
// lock, so no turn or message can slip in between. Its subscribers are let go.
func (e *Engine) CloseChat(ctx context.Context, chatID string, remove func(ctx context.Context) error) error {
	r, err := e.lockRoom(ctx, chatID)
	if err != nil {
		return err
	}
	return e.closeLocked(ctx, r, remove)
}

// forgetTemporary ends a temporary chat that no client follows any more:
// its turn stops, its rows go, every connection is told it is gone.
func (e *Engine) forgetTemporary(chatID string) {
	if !ids.IsTemporary(chatID) || e.opts.Temp == nil {
		return
	}
	ctx := context.WithoutCancel(e.ctx)
	r, err := e.lockRoom(ctx, chatID)
	if err != nil {
		return
	}
	if len(r.subs) > 0 {
		r.mu.Unlock()
		return
	}
	err = e.closeLocked(ctx, r, func(ctx context.Context) error { return e.opts.Temp.DeleteChat(ctx, chatID) })
	if err != nil {
		e.log.Warn("could not drop a temporary chat", "chat", chatID, "err", err)
		return
	}
	e.opts.Broadcast(encode(protocol.ChatDeleted("", chatID)))
}

// closeLocked is CloseChat's work; it releases r.mu.
func (e *Engine) closeLocked(ctx context.Context, r *room, remove func(ctx context.Context) error) error {
	chatID := r.id
	if r.turn != nil {
		r.turn.cancel(errDeleted)
	}
	for _, q := range r.queue {
		q.cancel(errDeleted)
	}
	r.queue = nil
	if err := remove(ctx); err != nil {
		r.mu.Unlock()
		return err
	}
	r.deleted = true
	r.subs = map[Sink]struct{}{}
	if err := e.st(chatID).DeleteSetting(ctx, queueKeyPrefix+chatID); err != nil {
		e.log.Warn("could not drop the queue of a deleted chat", "chat", chatID, "err", err)
	}
	r.mu.Unlock()
	e.mu.Lock()
	if e.rooms[chatID] == r {
		delete(e.rooms, chatID)
	}
	e.mu.Unlock()
	return nil
}
