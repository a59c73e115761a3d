package turns

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearth-app/hearth/backend/ids"
	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/view"
)

// turn is one model answer being produced.
type turn struct {
	id        string
	chatID    string
	userMsgID int64
	// userSeq names the question in the stored queue: its id is not known
	// before the insert that the queue entry is committed with.
	userSeq int64
	model   string
	effort  string
	ctx     context.Context
	cancel  context.CancelCauseFunc
	// prefix is the kept text a continued answer goes on from.
	prefix string

	// Guarded by the room's mu.
	live     liveText
	msgID    int64
	startSeq int64
	// The answer's place in the chat's tree, for its turn_start.
	parentID         *int64
	siblings         protocol.Siblings
	resolvedModel    string
	openErr          error
	reasoningStarted *time.Time
	reasoningEnded   *time.Time
	reasoningEndSeq  int64
	usage            *store.Usage
	// cut says why the answer was stopped at a size limit.
	cut string
	// events are the turn's tool events so far, for a late joiner's replay
	// (the store has them too).
	events []frame
	// What the checkpointer has saved: bytes of each text and parts written.
	savedContent, savedReasoning, savedParts int
	savedStarted, savedEnded                 bool
}

func newTurn(parent context.Context, chatID string, userMsgID int64, model, effort string) *turn {
	ctx, cancel := context.WithCancelCause(parent)
	return &turn{id: ids.Turn(), chatID: chatID, userMsgID: userMsgID, model: model, effort: effort, ctx: ctx, cancel: cancel}
}

// liveLocked is what a late joiner's replay needs. Caller holds the room's mu.
func (t *turn) liveLocked() liveTurn {
	lt := liveTurn{chatID: t.chatID, turnID: t.id, model: t.resolvedModel, msgID: t.msgID, startSeq: t.startSeq,
		reasoningEndSeq: t.reasoningEndSeq, text: &t.live, parentID: t.parentID, siblings: t.siblings, events: t.events}
	if t.reasoningStarted != nil && t.reasoningEnded != nil {
		lt.reasoningMS = t.reasoningEnded.Sub(*t.reasoningStarted).Milliseconds()
	}
	return lt
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
	t.cancel(errTurnOver)
}

// stream runs the model for an opened turn and returns how the turn ended.
func (e *Engine) stream(ctx context.Context, r *room, t *turn) (status, errText string) {
	r.mu.Lock()
	msgID, openErr, model := t.msgID, t.openErr, t.resolvedModel
	r.mu.Unlock()
	if msgID == 0 {
		return protocol.StatusError, fmt.Sprintf("Could not record the answer: %v", openErr)
	}
	// The chat's "running" flag was already announced: by Send's chat_updated for
	// a turn that starts at once, by the previous turn's end for a queued one.
	chat, err := e.st(t.chatID).GetChat(ctx, t.chatID)
	if err != nil {
		return protocol.StatusError, "could not load the chat: " + err.Error()
	}
	prov, _ := e.opts.Providers.Provider()
	if model == "" && chat.Agent == "" {
		return protocol.StatusError, "No model is chosen. Pick one in the model menu, or start Hearth with --model NAME (see `hearth models`)."
	}
	// The model sees the active path only: other branches are other
	// conversations.
	msgs, err := e.st(t.chatID).ActivePath(ctx, t.chatID)
	if err != nil {
		return protocol.StatusError, "could not load the conversation: " + err.Error()
	}
	in := buildTranscript(chat.System, msgs, t.userMsgID)
	if chat.Agent != "" {
		return e.runAgent(ctx, r, t, chat, in)
	}
	if t.prefix != "" {
		in = append(in, turnInput{Role: protocol.RoleAssistant, Content: t.prefix})
	}
	req, err := e.request(ctx, model, t.effort, in, e.opts.ImageTurns)
	if err != nil {
		return protocol.StatusError, err.Error()
	}
	req.Continue = t.prefix != ""
	req = withParams(req, effectiveParams(t.effort, chat.Params, e.opts.Params))

	var tools offered
	if e.opts.Tools != nil {
		tools = offerTools(e.opts.Tools.Tools(), chat.ToolsOff)
	}
	stopCP := e.startCheckpointer(ctx, r, t)
	err = e.runSteps(ctx, r, t, prov, req, tools)
	stopCP()

	if status, errText, stopped := stoppedStatus(r, t); stopped {
		return status, errText
	}
	if err != nil {
		var le *llm.Error
		if errors.As(err, &le) {
			return protocol.StatusError, le.Message
		}
		return protocol.StatusError, err.Error()
	}
	return protocol.StatusDone, ""
}

// stoppedStatus is how a turn ends that was stopped (its context ended):
// cancelled by a client or a delete, interrupted by shutdown, or cut at a
// size limit. stopped is false while the turn's context lives.
func stoppedStatus(r *room, t *turn) (status, errText string, stopped bool) {
	switch cause := context.Cause(t.ctx); {
	case cause == nil:
		return "", "", false
	case errors.Is(cause, errShutdown):
		return protocol.StatusInterrupted, "Hearth was shut down during this answer.", true
	case errors.Is(cause, errTooLong):
		r.mu.Lock()
		defer r.mu.Unlock()
		return protocol.StatusError, t.cut, true
	}
	return protocol.StatusCancelled, "", true
}

// resolveModelLocked picks the model of a turn: the message's, else the
// chat's, else the default. Caller holds r.mu.
func (e *Engine) resolveModelLocked(ctx context.Context, t *turn) error {
	chat, err := e.st(t.chatID).GetChat(ctx, t.chatID)
	if err != nil {
		return err
	}
	_, defModel := e.opts.Providers.Provider()
	t.resolvedModel = firstNonEmpty(t.model, chat.Model, defModel)
	if chat.Agent != "" {
		// An agent's turns carry its name where a model's carry the model.
		t.resolvedModel = chat.Agent
	}
	return nil
}

// openQueuedLocked records the assistant row of a queued turn that becomes
// the running one, and the queue without it, in one transaction, then
// publishes turn_start. It runs under the room lock, so the answer's seq
// follows the end of the turn before it and nothing slips between them.
// Caller holds r.mu. On failure msgID stays 0 and the turn ends with an error.
func (e *Engine) openQueuedLocked(ctx context.Context, r *room, t *turn) {
	if err := e.resolveModelLocked(ctx, t); err != nil {
		t.openErr = err
		return
	}
	// The question moves to just before its answer (see store.OpenQueued):
	// two seqs, the question's first.
	qseq, err := r.allocLocked(ctx, r.st.ReserveSeq)
	if err != nil {
		t.openErr = err
		return
	}
	seq, err := r.allocLocked(ctx, r.st.ReserveSeq)
	if err != nil {
		t.openErr = err
		return
	}
	w := queueSetting(r.id, r.queue)
	q, m, err := e.st(t.chatID).OpenQueued(ctx, t.chatID, t.userMsgID, qseq, t.id, t.resolvedModel, seq, &w)
	if err != nil {
		t.openErr = err
		e.log.Error("could not start a queued turn", "chat", t.chatID, "turn", t.id, "err", err)
		return
	}
	t.userSeq = qseq
	// Every client moves the question (same id, new seq) to where it is
	// answered, then sees its turn start.
	msg := view.Message(q, e.opts.MediaURL)
	msg.TurnID = t.id
	r.publishLocked(encode(protocol.UserMessage(msg, t.id, false)), nil)
	t.parentID, t.siblings = m.ParentID, m.Siblings
	e.opened(r, t, m.ID, seq)
}

// opened notes the turn's row and publishes turn_start. Caller holds r.mu.
func (e *Engine) opened(r *room, t *turn, msgID, seq int64) {
	t.msgID, t.startSeq = msgID, seq
	r.publishLocked(encode(protocol.Placed(protocol.TurnStart(t.chatID, seq, t.id, t.resolvedModel, t.msgID), t.parentID, t.siblings)), nil)
	if t.prefix != "" {
		// A continued answer starts with the text it goes on from, as an
		// ordinary delta: every client, and every replay, shows it.
		if s, err := r.allocLocked(context.WithoutCancel(t.ctx), r.st.ReserveSeq); err == nil {
			t.live.add(kindContent, s, t.prefix)
			r.publishLocked(encode(protocol.Delta(t.chatID, s, t.id, t.prefix)), nil)
		} else {
			e.log.Error("could not sequence a continued answer's text", "chat", t.chatID, "err", err)
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// request builds the provider request. Only the images of the last
// imageTurns user messages with images are sent (older ones were seen by
// the model in their own turns; resending every picture of a long chat each
// turn costs memory and time), each read once and encoded by the provider.
// Documents are sent with every turn, as text ahead of their message's own
// words: a question about a file attached earlier still needs the file.
func (e *Engine) request(ctx context.Context, model, effort string, in []turnInput, imageTurns int) (llm.Request, error) {
	req := llm.Request{Model: model, ReasoningEffort: effort}
	withImages := imageMessages(in, imageTurns)
	for i, m := range in {
		lm := llm.Message{Role: m.Role, Content: m.Content, ToolCalls: m.ToolCalls, ToolCallID: m.ToolCallID, ToolName: m.ToolName}
		if m.Role == "tool" {
			// Results are kept whole for the user; the model reads what
			// it read when the call was made.
			lm.Content = capText(m.Content, e.opts.ToolResultChars, "The result")
		}
		var docs []string
		for _, md := range m.Media {
			if kind, _ := media.KindOf(md.MIME); kind == media.KindDocument {
				text, err := e.opts.Files.DocumentText(md.ID, md.MIME)
				if err != nil {
					return req, fmt.Errorf("could not read the text of %s: %w", md.Name, err)
				}
				docs = append(docs, documentBlock(md.Name, text, e.opts.DocumentChars))
				continue
			}
			if strings.HasPrefix(md.MIME, "video/") {
				lm.Videos = append(lm.Videos, md.Name)
				continue
			}
			if !withImages[i] {
				lm.Content = withNote(lm.Content, fmt.Sprintf("[image %s was shown earlier in this chat]", md.Name))
				continue
			}
			data, err := e.opts.Files.ReadAll(md.ID)
			if err != nil {
				return req, fmt.Errorf("could not read attachment %s: %w", md.Name, err)
			}
			lm.Images = append(lm.Images, llm.Image{MIME: md.MIME, Data: data})
		}
		if len(docs) > 0 {
			lm.Content = strings.Join(append(docs, lm.Content), "\n\n")
			lm.Content = strings.TrimRight(lm.Content, "\n")
		}
		req.Messages = append(req.Messages, lm)
	}
	return req, ctx.Err()
}

// defaultDocumentChars is used when the caller sets no cap
// (config.DefaultDocumentChars is what users get).
const defaultDocumentChars = 16000

// documentBlock is one document as the model reads it: its text between
// <document> tags that name the file, at most limit characters of it, and,
// when cut, a note after the closing tag that says how much was left out.
// The text cannot close the block early: a closing tag inside it is broken
// with a backslash. Pure.
func documentBlock(name, text string, limit int) string {
	total := utf8.RuneCountInString(text)
	cut := total > limit
	if cut {
		p, n := 0, 0
		for n < limit {
			_, size := utf8.DecodeRuneInString(text[p:])
			p += size
			n++
		}
		text = text[:p]
	}
	text = closingTag.ReplaceAllString(strings.TrimRight(text, "\n"), "<\\/$1")
	name = strings.NewReplacer(`"`, "'", "\n", " ", "<", "‹", ">", "›").Replace(name)
	var b strings.Builder
	fmt.Fprintf(&b, "<document name=\"%s\">\n%s\n</document>", name, text)
	if cut {
		fmt.Fprintf(&b, "\n[%s was cut: only its first %s of %s characters are included above.]",
			name, groupDigits(limit), groupDigits(total))
	}
	return b.String()
}

var closingTag = regexp.MustCompile(`(?i)</(document)`)

// groupDigits writes 16000 as "16,000". Pure.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func withNote(content, note string) string {
	if content == "" {
		return note
	}
	return content + "\n\n" + note
}

// imageMessages marks the last n user messages that carry images. Pure.
func imageMessages(in []turnInput, n int) map[int]bool {
	out := map[int]bool{}
	for i := len(in) - 1; i >= 0 && len(out) < n; i-- {
		if in[i].Role != protocol.RoleUser {
			continue
		}
		for _, md := range in[i].Media {
			if strings.HasPrefix(md.MIME, "image/") {
				out[i] = true
				break
			}
		}
	}
	return out
}

// fitText cuts s so that have+len(s) stays within limit, at a rune boundary.
// cut reports that something was left out. Pure.
func fitText(have int, s string, limit int) (fit string, cut bool) {
	room := limit - have
	if len(s) <= room {
		return s, false
	}
	if room <= 0 {
		return "", true
	}
	p := room
	for p > 0 && !utf8.RuneStart(s[p]) {
		p--
	}
	return s[:p], true
}

// onEvent publishes one provider event. The first answer text after reasoning
// closes the reasoning, so clients can collapse it exactly when the answer starts.
func (e *Engine) onEvent(ctx context.Context, r *room, t *turn, ev llm.Event) error {
	now := time.Now()
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
		text, cut := fitText(len(t.live.reasoning), ev.Text, e.opts.MaxReasoningBytes)
		if text != "" {
			seq, err := r.allocLocked(ctx, r.st.ReserveSeq)
			if err != nil {
				return err
			}
			t.live.add(kindReasoning, seq, text)
			r.publishLocked(encode(protocol.ReasoningDelta(t.chatID, seq, t.id, text)), nil)
		}
		if cut {
			return e.cutLocked(t, "reasoning", e.opts.MaxReasoningBytes, "max_reasoning_bytes")
		}
	case llm.EventContent:
		if ev.Text == "" {
			return nil
		}
		if err := e.endReasoningLocked(ctx, r, t, now); err != nil {
			return err
		}
		text, cut := fitText(len(t.live.content), ev.Text, e.opts.MaxAnswerBytes)
		if text != "" {
			seq, err := r.allocLocked(ctx, r.st.ReserveSeq)
			if err != nil {
				return err
			}
			t.live.add(kindContent, seq, text)
			r.publishLocked(encode(protocol.Delta(t.chatID, seq, t.id, text)), nil)
		}
		if cut {
			return e.cutLocked(t, "answer", e.opts.MaxAnswerBytes, "max_answer_bytes")
		}
	}
	return nil
}

// cutLocked stops a turn that reached a size limit; the text so far is kept.
func (e *Engine) cutLocked(t *turn, what string, limit int, key string) error {
	t.cut = fmt.Sprintf("The %s was cut at %s, the limit for one %s (%s in config.toml); the text so far is kept.",
		what, humanBytes(limit), what, key)
	e.log.Warn("turn cut at a size limit", "chat", t.chatID, "turn", t.id, "what", what, "limit", limit)
	t.cancel(errTooLong)
	return errTooLong
}

func humanBytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// endReasoningLocked publishes reasoning_end once, if the turn reasoned.
// Caller holds r.mu.
func (e *Engine) endReasoningLocked(ctx context.Context, r *room, t *turn, now time.Time) error {
	if t.reasoningStarted == nil || t.reasoningEnded != nil {
		return nil
	}
	seq, err := r.allocLocked(ctx, r.st.ReserveSeq)
	if err != nil {
		return err
	}
	t.reasoningEnded = &now
	t.reasoningEndSeq = seq
	d := now.Sub(*t.reasoningStarted).Milliseconds()
	r.publishLocked(encode(protocol.ReasoningEnd(t.chatID, seq, t.id, d, string(t.live.reasoning))), nil)
	return nil
}

// startCheckpointer saves what the turn streamed every CheckpointEvery while
// it changes, so a crash loses at most that much. Each checkpoint appends
// only the text that is new since the previous one.
func (e *Engine) startCheckpointer(ctx context.Context, r *room, t *turn) (stop func()) {
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
				e.checkpoint(ctx, r, t)
			}
		}
	}()
	return func() { close(done); <-finished }
}

func (e *Engine) checkpoint(ctx context.Context, r *room, t *turn) {
	r.mu.Lock()
	newContent, newReasoning := len(t.live.content), len(t.live.reasoning)
	started, ended := t.reasoningStarted != nil, t.reasoningEnded != nil
	// Only new text or a reasoning time not saved yet: a silent model
	// writes nothing.
	newText := t.savedContent != newContent || t.savedReasoning != newReasoning
	if !newText && (!started || t.savedStarted) && (!ended || t.savedEnded) {
		r.mu.Unlock()
		return
	}
	cp := store.Checkpoint{Content: string(t.live.content[t.savedContent:newContent]),
		Reasoning:          string(t.live.reasoning[t.savedReasoning:newReasoning]),
		ReasoningStartedAt: t.reasoningStarted, ReasoningEndedAt: t.reasoningEnded}
	part, msgID := t.savedParts, t.msgID
	r.mu.Unlock()
	if err := e.st(t.chatID).CheckpointAssistant(ctx, msgID, part, cp); err != nil {
		e.log.Warn("checkpoint failed", "chat", t.chatID, "turn", t.id, "err", err)
		return
	}
	r.mu.Lock()
	t.savedContent, t.savedReasoning, t.savedParts = newContent, newReasoning, part+1
	t.savedStarted, t.savedEnded = t.savedStarted || started, t.savedEnded || ended
	r.mu.Unlock()
}

// finish records the end of the turn, publishes stream_end and turn_end,
// starts the next queued turn, and announces the chat.
func (e *Engine) finish(ctx context.Context, r *room, t *turn, status, errText string, took time.Duration) {
	r.mu.Lock()
	switch {
	case r.deleted:
		e.advanceLocked(r)
		r.mu.Unlock()
		return
	case t.msgID == 0:
		// The turn could not be recorded (a full disk, say). Its question was
		// acknowledged, so its clients still get an end.
		e.endUnrecordedLocked(ctx, r, t, errText, took)
		e.advanceLocked(r)
		r.mu.Unlock()
		e.broadcastChat(ctx, t.chatID)
		e.maybeEvict(r)
		return
	}
	now := time.Now()
	var seqErr error
	if err := e.endReasoningLocked(ctx, r, t, now); err != nil {
		seqErr = err
	}
	streamEnd, err1 := r.allocLocked(ctx, r.st.ReserveSeq)
	end, err2 := r.allocLocked(ctx, r.st.ReserveSeq)
	if err := errors.Join(seqErr, err1, err2); err != nil {
		e.log.Error("could not sequence the end of a turn", "chat", t.chatID, "err", err)
	}
	content := string(t.live.content)
	f := store.Final{Content: content, Reasoning: string(t.live.reasoning), ReasoningStartedAt: t.reasoningStarted,
		ReasoningEndedAt: t.reasoningEnded, Status: status, Error: errText, Usage: t.usage, LatencyMS: took.Milliseconds(),
		ReasoningEndSeq: t.reasoningEndSeq, StreamEndSeq: streamEnd, EndSeq: end}
	if err := e.st(t.chatID).FinishAssistant(ctx, t.msgID, f); err != nil {
		e.log.Error("could not record the end of a turn", "chat", t.chatID, "turn", t.id, "err", err)
	}
	r.publishLocked(encode(protocol.StreamEnd(t.chatID, streamEnd, t.id, content)), nil)
	r.publishLocked(encode(protocol.TurnEnd(t.chatID, end, t.id, status, took.Milliseconds(), view.Usage(t.usage), errText)), nil)
	e.log.Info("turn ended", "chat", t.chatID, "turn", t.id, "status", status, "ms", took.Milliseconds())
	// The text lives in the store now; a finished turn replays from there.
	t.live, t.events = liveText{}, nil
	e.advanceLocked(r)
	r.mu.Unlock()
	e.broadcastChat(ctx, t.chatID)
	e.afterTurn(t, status)
	e.maybeEvict(r)
}

// endUnrecordedLocked publishes the error end of a turn that has no row.
// Caller holds r.mu.
func (e *Engine) endUnrecordedLocked(ctx context.Context, r *room, t *turn, errText string, took time.Duration) {
	seq, err := r.allocLocked(ctx, r.st.ReserveSeq)
	if err != nil {
		// Without a seq nothing can be published in order; the store is
		// failing, and the log says so.
		e.log.Error("could not end an unrecorded turn", "chat", t.chatID, "turn", t.id, "err", err)
		return
	}
	r.publishLocked(encode(protocol.TurnEnd(t.chatID, seq, t.id, protocol.StatusError, took.Milliseconds(), nil, errText)), nil)
	e.log.Warn("turn ended without a record", "chat", t.chatID, "turn", t.id, "err", errText)
}

// advanceLocked clears the finished turn and starts the next queued one.
// Caller holds r.mu.
func (e *Engine) advanceLocked(r *room) {
	r.turn = nil
	if len(r.queue) == 0 || !e.running() || r.deleted {
		// At shutdown the stored queue stays as it is, to resume at start-up.
		for _, q := range r.queue {
			q.cancel(errShutdown)
		}
		r.queue = nil
		return
	}
	next := r.queue[0]
	r.queue = r.queue[1:]
	r.turn = next
	e.openQueuedLocked(context.WithoutCancel(next.ctx), r, next)
	// The caller is a running turn (counted in wg) or Recover, so this Add
	// never races Shutdown's Wait.
	e.wg.Add(1)
	go e.runTurn(r, next)
}
