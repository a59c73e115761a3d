package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// turn is one model answer being produced.
type turn struct {
	id        string
	chatID    string
	userMsgID int64
	model     string
	effort    string
	ctx       context.Context
	cancel    context.CancelCauseFunc

	// Guarded by the room's mu.
	frames        []frame
	msgID         int64
	startSeq      int64
	resolvedModel string
	openErr       error

	// Guarded by mu: the text so far, read by the checkpointer.
	mu               sync.Mutex
	content          strings.Builder
	reasoning        strings.Builder
	reasoningStarted *time.Time
	reasoningEnded   *time.Time
	reasoningEndSeq  int64
	usage            *store.Usage
	dirty            bool
}

func newTurn(parent context.Context, chatID string, userMsgID int64, model, effort string) *turn {
	ctx, cancel := context.WithCancelCause(parent)
	return &turn{id: newID("t"), chatID: chatID, userMsgID: userMsgID, model: model, effort: effort, ctx: ctx, cancel: cancel}
}

// runTurn produces one answer and then starts the next queued turn.
func (e *Engine) runTurn(r *room, t *turn) {
	defer e.wg.Done()
	// Store writes of the turn's own bookkeeping must survive the turn being
	// cancelled, so they use a context that only the process lifetime bounds.
	bg := context.WithoutCancel(t.ctx)
	started := time.Now()
	status, errText := e.stream(bg, r, t)
	e.finish(bg, r, t, status, errText, time.Since(started))
}

// stream runs the model for an opened turn and returns how the turn ended.
func (e *Engine) stream(ctx context.Context, r *room, t *turn) (status, errText string) {
	if t.msgID == 0 {
		return "error", fmt.Sprintf("could not record the turn: %v", t.openErr)
	}
	// The chat's "running" flag was already announced: by Send's chat_updated for
	// a turn that starts at once, by the previous turn's end for a queued one.
	chat, err := e.opts.Store.GetChat(ctx, t.chatID)
	if err != nil {
		return "error", "could not load the chat: " + err.Error()
	}
	prov, _ := e.opts.Providers.Provider()
	model := t.resolvedModel

	if model == "" {
		return "error", "No model is chosen. Pick one in the model menu, or start Hearth with --model NAME (see `hearth models`)."
	}
	msgs, err := e.opts.Store.Transcript(ctx, t.chatID)
	if err != nil {
		return "error", "could not load the conversation: " + err.Error()
	}
	req, err := e.request(ctx, model, t.effort, buildTranscript(chat.System, msgs, t.userMsgID))
	if err != nil {
		return "error", err.Error()
	}

	stopCP := e.startCheckpointer(ctx, t)
	err = prov.Stream(t.ctx, req, func(ev llm.Event) error { return e.onEvent(ctx, r, t, ev) })
	stopCP()

	switch cause := context.Cause(t.ctx); {
	case errors.Is(cause, errCancelled), errors.Is(cause, errDeleted):
		return "cancelled", ""
	case errors.Is(cause, errShutdown):
		return "interrupted", "Hearth was shut down during this answer."
	}
	if err != nil {
		var le *llm.Error
		if errors.As(err, &le) {
			return "error", le.Message
		}
		return "error", err.Error()
	}
	return "done", ""
}

// openTurnLocked records the turn's assistant row and publishes turn_start.
// It runs under the room lock at the moment the turn becomes the running one, so
// the answer's seq follows its question (or, for a queued turn, the end of the
// turn before it) and nothing can slip between them. Caller holds r.mu. On
// failure msgID stays 0 and runTurn reports openErr.
func (e *Engine) openTurnLocked(ctx context.Context, r *room, t *turn) {
	chat, err := e.opts.Store.GetChat(ctx, t.chatID)
	if err != nil {
		t.openErr = err
		return
	}
	_, defModel := e.opts.Providers.Provider()
	t.resolvedModel = firstNonEmpty(t.model, chat.Model, defModel)
	seq, err := r.allocLocked(ctx, e.opts.Store.ReserveSeq)
	if err != nil {
		t.openErr = err
		return
	}
	parent := t.userMsgID
	m, err := e.opts.Store.StartAssistant(ctx, t.chatID, t.id, t.resolvedModel, seq, &parent)
	if err != nil {
		t.openErr = err
		e.log.Error("could not start turn", "chat", t.chatID, "err", err)
		return
	}
	t.msgID, t.startSeq = m.ID, seq
	r.publishLocked(seq, encode(protocol.TurnStart(t.chatID, seq, t.id, t.resolvedModel, t.msgID)), true, nil)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// request loads the media of the conversation and builds the provider request.
func (e *Engine) request(ctx context.Context, model, effort string, in []turnInput) (llm.Request, error) {
	req := llm.Request{Model: model, ReasoningEffort: effort}
	for _, m := range in {
		lm := llm.Message{Role: m.Role, Content: m.Content}
		for _, md := range m.Media {
			if strings.HasPrefix(md.MIME, "video/") {
				lm.Videos = append(lm.Videos, md.Name)
				continue
			}
			data, err := e.readMedia(md.ID)
			if err != nil {
				return req, fmt.Errorf("could not read attachment %s: %w", md.Name, err)
			}
			lm.Images = append(lm.Images, llm.Image{MIME: md.MIME, Data: data})
		}
		req.Messages = append(req.Messages, lm)
	}
	return req, ctx.Err()
}

func (e *Engine) readMedia(id string) ([]byte, error) {
	if e.opts.Files == nil {
		return nil, errors.New("media is not enabled")
	}
	f, err := e.opts.Files.Open(id)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// onEvent publishes one provider event. The first answer text after reasoning
// closes the reasoning, so clients can collapse it exactly when the answer starts.
func (e *Engine) onEvent(ctx context.Context, r *room, t *turn, ev llm.Event) error {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev.Kind {
	case llm.EventUsage:
		if ev.Usage != nil {
			t.usage = &store.Usage{PromptTokens: ev.Usage.PromptTokens, CompletionTokens: ev.Usage.CompletionTokens, TotalTokens: ev.Usage.TotalTokens}
		}
		return nil
	case llm.EventReasoning:
		if ev.Text == "" {
			return nil
		}
		if t.reasoningStarted == nil {
			t.reasoningStarted = &now
		}
		t.reasoning.WriteString(ev.Text)
		t.dirty = true
		seq, err := r.allocLocked(ctx, e.opts.Store.ReserveSeq)
		if err != nil {
			return err
		}
		r.publishLocked(seq, encode(protocol.ReasoningDelta(t.chatID, seq, t.id, ev.Text)), true, nil)
	case llm.EventContent:
		if ev.Text == "" {
			return nil
		}
		if err := e.endReasoningLocked(ctx, r, t, now); err != nil {
			return err
		}
		t.content.WriteString(ev.Text)
		t.dirty = true
		seq, err := r.allocLocked(ctx, e.opts.Store.ReserveSeq)
		if err != nil {
			return err
		}
		r.publishLocked(seq, encode(protocol.Delta(t.chatID, seq, t.id, ev.Text)), true, nil)
	}
	return nil
}

// endReasoningLocked publishes reasoning_end once, if the turn reasoned. Caller
// holds t.mu and r.mu.
func (e *Engine) endReasoningLocked(ctx context.Context, r *room, t *turn, now time.Time) error {
	if t.reasoningStarted == nil || t.reasoningEnded != nil {
		return nil
	}
	seq, err := r.allocLocked(ctx, e.opts.Store.ReserveSeq)
	if err != nil {
		return err
	}
	t.reasoningEnded = &now
	t.reasoningEndSeq = seq
	t.dirty = true
	d := now.Sub(*t.reasoningStarted).Milliseconds()
	r.publishLocked(seq, encode(protocol.ReasoningEnd(t.chatID, seq, t.id, d, t.reasoning.String())), true, nil)
	return nil
}

// startCheckpointer writes the streamed text to the store every CheckpointEvery
// while it changes, so a crash loses at most that much.
func (e *Engine) startCheckpointer(ctx context.Context, t *turn) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(e.opts.CheckpointEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				t.mu.Lock()
				if !t.dirty {
					t.mu.Unlock()
					continue
				}
				cp := store.Checkpoint{Content: t.content.String(), Reasoning: t.reasoning.String(),
					ReasoningStartedAt: t.reasoningStarted, ReasoningEndedAt: t.reasoningEnded}
				t.dirty = false
				t.mu.Unlock()
				if err := e.opts.Store.CheckpointAssistant(ctx, t.msgID, cp); err != nil {
					e.log.Warn("checkpoint failed", "chat", t.chatID, "turn", t.id, "err", err)
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// finish records the end of the turn, publishes stream_end and turn_end, and
// starts the next queued turn.
func (e *Engine) finish(ctx context.Context, r *room, t *turn, status, errText string, took time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r.mu.Lock()
	if t.msgID == 0 || r.deleted {
		// The turn never opened (or its chat is gone): nothing to record.
		e.advanceLocked(r)
		r.mu.Unlock()
		return
	}
	now := time.Now()
	var seqErr error
	if err := e.endReasoningLocked(ctx, r, t, now); err != nil {
		seqErr = err
	}
	streamEnd, err1 := r.allocLocked(ctx, e.opts.Store.ReserveSeq)
	end, err2 := r.allocLocked(ctx, e.opts.Store.ReserveSeq)
	if err := errors.Join(seqErr, err1, err2); err != nil {
		e.log.Error("could not sequence the end of a turn", "chat", t.chatID, "err", err)
	}
	content := t.content.String()
	f := store.Final{Content: content, Reasoning: t.reasoning.String(), ReasoningStartedAt: t.reasoningStarted,
		ReasoningEndedAt: t.reasoningEnded, Status: status, Error: errText, Usage: t.usage, LatencyMS: took.Milliseconds(),
		ReasoningEndSeq: t.reasoningEndSeq, StreamEndSeq: streamEnd, EndSeq: end}
	if err := e.opts.Store.FinishAssistant(ctx, t.msgID, f); err != nil {
		e.log.Error("could not record the end of a turn", "chat", t.chatID, "turn", t.id, "err", err)
	}
	r.publishLocked(streamEnd, encode(protocol.StreamEnd(t.chatID, streamEnd, t.id, content)), false, nil)
	r.publishLocked(end, encode(protocol.TurnEnd(t.chatID, end, t.id, status, took.Milliseconds(), usageJSON(t.usage), errText)), false, nil)
	e.log.Info("turn ended", "chat", t.chatID, "turn", t.id, "status", status, "ms", took.Milliseconds())
	e.advanceLocked(r)
	r.mu.Unlock()
	e.broadcastChat(ctx, t.chatID)
}

// advanceLocked clears the finished turn and starts the next queued one. Caller
// holds r.mu.
func (e *Engine) advanceLocked(r *room) {
	r.turn = nil
	if len(r.queue) == 0 || !e.running() || r.deleted {
		// At shutdown the stored queue stays as it is, to resume at start-up.
		r.queue = nil
		return
	}
	next := r.queue[0]
	r.queue = r.queue[1:]
	r.turn = next
	ctx := context.WithoutCancel(next.ctx)
	e.persistQueueLocked(ctx, r)
	e.openTurnLocked(ctx, r, next)
	e.wg.Add(1)
	go e.runTurn(r, next)
}
