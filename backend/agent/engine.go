// Package agent is the turn engine: one running turn per chat, a queue behind it,
// cancel, streaming persistence, and publication of every chat event to the
// chat's subscribers with a durable per-chat seq.
package agent

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// Error is a refusal with a stable protocol reason.
type Error struct {
	Reason string
	Detail string
}

func (e *Error) Error() string { return e.Detail }

func refuse(reason, format string, args ...any) error {
	return &Error{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// ProviderSource yields the current provider and default model; settings can
// change them while running.
type ProviderSource interface {
	Provider() (llm.Provider, string)
}

// Options configures an Engine.
type Options struct {
	Store     *store.Store
	Files     *media.Files
	Limits    media.Limits
	Providers ProviderSource
	// Broadcast sends a frame to every connection (chat_created and friends).
	Broadcast func(frame []byte)
	MediaURL  MediaURL
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
}

// defaultMaxTextBytes caps an answer and its reasoning when the caller sets no cap
// (config.DefaultMaxTextBytes is what users get).
const defaultMaxTextBytes = 4 << 20

// maxTextLimit keeps a turn's text offsets within 32 bits.
const maxTextLimit = 1 << 30

// Engine runs turns and owns every chat's live state.
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
	if opts.MediaURL == nil {
		opts.MediaURL = func(id string) string { return "/media/" + id }
	}
	ctx, stop := context.WithCancelCause(context.Background())
	return &Engine{opts: opts, log: opts.Logger, ctx: ctx, stop: stop, rooms: map[string]*room{}}
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
	c, err := e.opts.Store.GetChat(ctx, chatID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refuse(protocol.ReasonNotFound, "no chat %s", chatID)
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
	e.rooms[chatID] = r
	return r, nil
}

func (e *Engine) isRunning(chatID string) bool {
	e.mu.Lock()
	r, ok := e.rooms[chatID]
	e.mu.Unlock()
	if !ok {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.turn != nil
}

func (e *Engine) chatJSON(c store.Chat) protocol.Chat { return chatJSON(c, e.isRunning(c.ID)) }

func (e *Engine) broadcastChat(ctx context.Context, chatID string) {
	c, err := e.opts.Store.GetChat(ctx, chatID)
	if err != nil {
		return
	}
	e.opts.Broadcast(encode(protocol.ChatUpdated("", e.chatJSON(c))))
}

// NewChat creates a chat, announces it, and attaches sink to it.
func (e *Engine) NewChat(ctx context.Context, cmd protocol.NewChat, sink Sink) (string, error) {
	return e.createChat(ctx, "", cmd.Title, cmd.Model, cmd.System, cmd.ReqID, sink)
}

func (e *Engine) createChat(ctx context.Context, id, title, model, system, reqID string, sink Sink) (string, error) {
	if title == "" {
		title = DefaultTitle
	}
	c, err := e.opts.Store.CreateChat(ctx, store.NewChat{ID: id, Title: title, Model: model, System: system})
	if err != nil {
		return "", fmt.Errorf("create chat: %w", err)
	}
	e.opts.Broadcast(encode(protocol.ChatCreated(chatJSON(c, false))))
	if sink == nil {
		return c.ID, nil
	}
	zero := int64(0)
	return c.ID, e.Attach(ctx, c.ID, &zero, sink, reqID)
}

// DefaultTitle names a chat until its first message names it.
const DefaultTitle = "New chat"

// EnsureChat creates chat id when it does not exist yet (a connection's default
// chat is only created once something is sent to it).
func (e *Engine) EnsureChat(ctx context.Context, id string) error {
	_, err := e.opts.Store.GetChat(ctx, id)
	if err == nil {
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("load chat %s: %w", id, err)
	}
	_, err = e.createChat(ctx, id, "", "", "", "", nil)
	return err
}

// Cancel stops the running turn of a chat (or removes a queued one by id).
func (e *Engine) Cancel(ctx context.Context, chatID, turnID string) error {
	r, err := e.lockRoom(ctx, chatID)
	if err != nil {
		return err
	}
	defer e.maybeEvict(r)
	defer r.mu.Unlock()
	if r.turn == nil {
		return refuse(protocol.ReasonNotRunning, "no turn is running in chat %s", chatID)
	}
	if turnID != "" && turnID != r.turn.id {
		for i, q := range r.queue {
			if q.id == turnID {
				q.cancel(errCancelled)
				r.queue = append(r.queue[:i], r.queue[i+1:]...)
				e.persistQueueLocked(ctx, r)
				return nil
			}
		}
		return refuse(protocol.ReasonNotRunning, "turn %s is not running in chat %s", turnID, chatID)
	}
	r.turn.cancel(errCancelled)
	return nil
}

// ListChats pages chats, newest activity first. before is the opaque cursor
// returned as next_before.
func (e *Engine) ListChats(ctx context.Context, limit int, before string) ([]protocol.Chat, bool, string, error) {
	q := store.ListChats{Limit: limit + 1}
	if before != "" {
		ms, id, ok := strings.Cut(before, ":")
		n, err := strconv.ParseInt(ms, 10, 64)
		if !ok || err != nil {
			return nil, false, "", refuse(protocol.ReasonInvalidField, "before is not a cursor returned by list_chats")
		}
		t := time.UnixMilli(n)
		q.Before, q.BeforeID = &t, id
	}
	chats, err := e.opts.Store.ListChats(ctx, q)
	if err != nil {
		return nil, false, "", fmt.Errorf("list chats: %w", err)
	}
	more := len(chats) > limit
	if more {
		chats = chats[:limit]
	}
	out := make([]protocol.Chat, len(chats))
	for i, c := range chats {
		out[i] = e.chatJSON(c)
	}
	next := ""
	if more && len(chats) > 0 {
		last := chats[len(chats)-1]
		next = strconv.FormatInt(last.UpdatedAt.UnixMilli(), 10) + ":" + last.ID
	}
	return out, more, next, nil
}

// History pages a chat upward. Its last_seq is the seq an attach continues from:
// a running turn is left out of the page and comes with the attach replay, so
// nothing is shown twice. The page is read outside the chat's lock, bounded
// by what was committed when the lock was held, so a long page never delays
// the chat's live events.
func (e *Engine) History(ctx context.Context, chatID string, beforeSeq int64, limit int) ([]protocol.Message, bool, int64, error) {
	r, err := e.lockRoom(ctx, chatID)
	if err != nil {
		return nil, false, 0, err
	}
	last := r.lastSeqLocked()
	if r.turn != nil && r.turn.startSeq > 0 {
		last = r.turn.startSeq - 1
	}
	r.mu.Unlock()
	e.maybeEvict(r)
	if beforeSeq <= 0 || beforeSeq > last+1 {
		beforeSeq = last + 1
	}
	msgs, more, err := e.opts.Store.History(ctx, chatID, beforeSeq, limit)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, 0, refuse(protocol.ReasonNotFound, "no chat %s", chatID)
	}
	if err != nil {
		return nil, false, 0, fmt.Errorf("history of %s: %w", chatID, err)
	}
	out := make([]protocol.Message, len(msgs))
	for i, m := range msgs {
		out[i] = messageJSON(m, e.opts.MediaURL)
	}
	return out, more, last, nil
}

// UpdateChat changes metadata and tells everyone.
func (e *Engine) UpdateChat(ctx context.Context, cmd protocol.UpdateChat) (protocol.Chat, error) {
	c, err := e.opts.Store.UpdateChat(ctx, cmd.ChatID, store.ChatPatch{Title: cmd.Title, Model: cmd.Model, System: cmd.System, Pinned: cmd.Pinned})
	if errors.Is(err, store.ErrNotFound) {
		return protocol.Chat{}, refuse(protocol.ReasonNotFound, "no chat %s", cmd.ChatID)
	}
	if err != nil {
		return protocol.Chat{}, fmt.Errorf("update chat %s: %w", cmd.ChatID, err)
	}
	pc := e.chatJSON(c)
	e.opts.Broadcast(encode(protocol.ChatUpdated(cmd.ReqID, pc)))
	return pc, nil
}

// DeleteChat stops the chat's turn, deletes it with the media only it used,
// and tells everyone.
func (e *Engine) DeleteChat(ctx context.Context, chatID, reqID string) error {
	r, err := e.lockRoom(ctx, chatID)
	if err != nil {
		return err
	}
	if r.turn != nil {
		r.turn.cancel(errDeleted)
	}
	for _, q := range r.queue {
		q.cancel(errDeleted)
	}
	r.queue = nil
	freed, err := e.opts.Store.DeleteChatMedia(ctx, chatID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		r.mu.Unlock()
		return fmt.Errorf("delete chat %s: %w", chatID, err)
	}
	r.deleted = true
	r.subs = map[Sink]struct{}{}
	if err := e.opts.Store.DeleteSetting(ctx, queueKeyPrefix+chatID); err != nil {
		e.log.Warn("could not drop the queue of a deleted chat", "chat", chatID, "err", err)
	}
	r.mu.Unlock()
	e.mu.Lock()
	if e.rooms[chatID] == r {
		delete(e.rooms, chatID)
	}
	e.mu.Unlock()
	// The rows are gone, so nothing serves these files any more; one that
	// cannot be removed now is an orphan the start-up sweep takes.
	for _, m := range freed {
		if e.opts.Files == nil {
			break
		}
		if _, err := e.opts.Files.Remove(m.ID, m.StoredAt); err != nil {
			e.log.Warn("could not remove a deleted chat's media file", "chat", chatID, "media", m.ID, "err", err)
		}
	}
	e.opts.Broadcast(encode(protocol.ChatDeleted(reqID, chatID)))
	return nil
}

// Search runs a full-text search over every chat.
func (e *Engine) Search(ctx context.Context, query string, limit int) ([]protocol.SearchHit, error) {
	hits, err := e.opts.Store.Search(ctx, query, limit)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := make([]protocol.SearchHit, len(hits))
	for i, h := range hits {
		out[i] = protocol.SearchHit{ChatID: h.ChatID, ChatTitle: h.ChatTitle, MessageID: h.MessageID, Seq: h.Seq, Role: h.Role, Snippet: h.Snippet}
	}
	return out, nil
}

// Models asks the current provider for its models.
func (e *Engine) Models(ctx context.Context) ([]protocol.Model, string, string, error) {
	p, _ := e.opts.Providers.Provider()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ms, err := p.Models(ctx)
	if err != nil {
		return nil, p.Name(), p.BaseURL(), providerRefusal(err)
	}
	out := make([]protocol.Model, len(ms))
	for i, m := range ms {
		out[i] = protocol.Model{ID: m.ID, Size: m.Size}
	}
	return out, p.Name(), p.BaseURL(), nil
}

func providerRefusal(err error) error {
	var le *llm.Error
	if errors.As(err, &le) {
		reason := protocol.ReasonProviderError
		if le.Code == llm.CodeUnreachable {
			reason = protocol.ReasonUnreachable
		}
		return &Error{Reason: reason, Detail: le.Message}
	}
	return &Error{Reason: protocol.ReasonProviderError, Detail: err.Error()}
}

func newID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}
