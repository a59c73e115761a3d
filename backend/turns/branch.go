package turns

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/view"
)

// Editing, regenerating, continuing and switching change which path of the
// chat's tree is the active one. They are refused while a turn runs or
// questions wait: the running turn answers the path as it was, and a
// queued question is placed under whatever leaf is active when its turn
// opens, so moving the path under them would answer questions out of the
// conversation they were asked in.

// branchableLocked refuses a branch change while the chat is busy. Caller holds r.mu.
func branchableLocked(r *room, what string) error {
	if r.turn != nil || len(r.queue) > 0 {
		return protocol.Refuse(protocol.ReasonBusy, "an answer is being written in this chat; stop it or wait for it before you %s", what)
	}
	return nil
}

// storeRefusal turns the store's verdicts on a named message into refusals.
func storeRefusal(err error, chatID string, msgID int64) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return protocol.RefuseCause(protocol.ReasonNotFound, err, "no message %d in chat %s", msgID, chatID)
	case errors.Is(err, store.ErrInvalid):
		return protocol.RefuseCause(protocol.ReasonInvalidField, err, "%v", errors.Unwrap(err))
	}
	return err
}

// Edit commits a new question beside cmd.MessageID (same parent), which
// becomes the active path, and starts the turn that answers it. The edited
// question and everything after it stay in the tree.
func (e *Engine) Edit(ctx context.Context, cmd protocol.EditMessage, sink Sink) error {
	if !e.enter() {
		return protocol.Refuse(protocol.ReasonShuttingDown, "the server is shutting down")
	}
	defer e.wg.Done()
	old, err := e.st(cmd.ChatID).GetMessage(ctx, cmd.MessageID)
	if err != nil || old.ChatID != cmd.ChatID {
		return protocol.Refuse(protocol.ReasonNotFound, "no message %d in chat %s", cmd.MessageID, cmd.ChatID)
	}
	if old.Role != protocol.RoleUser || old.Waiting {
		return protocol.Refuse(protocol.ReasonInvalidField, "message %d is not a question that can be edited (regenerate an answer instead)", cmd.MessageID)
	}
	if err := noTemporaryMedia(cmd.ChatID, cmd.Media); err != nil {
		return err
	}
	refs, err := e.opts.Ingest.Message(ctx, cmd.Media)
	if err != nil {
		return err
	}
	r, err := e.lockRoom(ctx, cmd.ChatID)
	if err != nil {
		return err
	}
	if err := branchableLocked(r, "edit a message"); err != nil {
		r.mu.Unlock()
		return err
	}
	send := protocol.SendMessage{Base: cmd.Base, ChatID: cmd.ChatID, Content: cmd.Content, Media: cmd.Media,
		Model: cmd.Model, ReasoningEffort: cmd.ReasoningEffort}
	t, m, err := e.commitLocked(ctx, r, send, refs, false, &cmd.MessageID)
	if err != nil {
		r.mu.Unlock()
		return storeRefusal(err, cmd.ChatID, cmd.MessageID)
	}
	msg := view.Message(m, e.opts.MediaURL)
	msg.TurnID = t.id
	sink.Send(encode(protocol.MessageAccepted(cmd.ReqID, t.id, msg, false)))
	r.publishLocked(encode(protocol.UserMessage(msg, t.id, false)), sink)
	r.subs[sink] = struct{}{}
	e.startLocked(r, t)
	r.mu.Unlock()
	e.broadcastChat(ctx, cmd.ChatID)
	return nil
}

// startLocked makes an opened turn the running one. Caller holds r.mu and
// is counted in e.wg (so this Add never races Shutdown's Wait).
func (e *Engine) startLocked(r *room, t *turn) {
	r.turn = t
	e.opened(r, t, t.msgID, t.startSeq)
	e.wg.Add(1)
	go e.runTurn(r, t)
}

// Regenerate starts a new answer beside the answer messageID (0: the last
// message of the active path), with model when set. Naming a question
// answers it anew. Returns the new turn's id.
func (e *Engine) Regenerate(ctx context.Context, cmd protocol.Regenerate, sink Sink) (string, error) {
	return e.reanswer(ctx, cmd.ChatID, cmd.MessageID, cmd.Model, cmd.ReasoningEffort, false, sink, cmd.ReqID)
}

// Continue starts a new answer beside the answer messageID that goes on
// from its text: the model gets that text as the start of its own reply.
func (e *Engine) Continue(ctx context.Context, cmd protocol.Continue, sink Sink) (string, error) {
	if c, err := e.st(cmd.ChatID).GetChat(ctx, cmd.ChatID); err == nil && c.Agent != "" {
		// The agent protocol has no prefill: an agent answers anew.
		return "", protocol.Refuse(protocol.ReasonNotSupported, "an agent cannot continue an answer; regenerate it instead")
	}
	if prov, _ := e.opts.Providers.Provider(); prov != nil {
		if why := continueUnsupported(prov.Name(), prov.BaseURL()); why != "" {
			return "", protocol.Refuse(protocol.ReasonNotSupported, "%s", why)
		}
	}
	return e.reanswer(ctx, cmd.ChatID, cmd.MessageID, "", "", true, sink, cmd.ReqID)
}

func (e *Engine) reanswer(ctx context.Context, chatID string, msgID int64, model, effort string, cont bool, sink Sink, reqID string) (string, error) {
	if !e.enter() {
		return "", protocol.Refuse(protocol.ReasonShuttingDown, "the server is shutting down")
	}
	defer e.wg.Done()
	r, err := e.lockRoom(ctx, chatID)
	if err != nil {
		return "", err
	}
	defer r.mu.Unlock()
	what := "regenerate an answer"
	if cont {
		what = "continue an answer"
	}
	if err := branchableLocked(r, what); err != nil {
		return "", err
	}
	target, err := e.reanswerTarget(ctx, chatID, msgID)
	if err != nil {
		return "", err
	}
	question := target.ID
	if target.Role == protocol.RoleAssistant {
		if target.ParentID == nil {
			return "", protocol.Refuse(protocol.ReasonInvalidField, "answer %d answers no question", target.ID)
		}
		question = *target.ParentID
	}
	t := newTurn(e.ctx, chatID, question, model, effort)
	if cont {
		if target.Role != protocol.RoleAssistant || target.Content == "" {
			return "", protocol.Refuse(protocol.ReasonInvalidField, "message %d has no answer text to continue from; try again instead", target.ID)
		}
		t.model, t.prefix = target.Model, target.Content
	}
	if err := e.resolveModelLocked(ctx, t); err != nil {
		return "", fmt.Errorf("load chat %s: %w", chatID, err)
	}
	seq, err := r.allocLocked(ctx, r.st.ReserveSeq)
	if err != nil {
		return "", err
	}
	a, err := e.st(chatID).StartAssistant(ctx, chatID, t.id, t.resolvedModel, seq, &question)
	if err != nil {
		return "", storeRefusal(err, chatID, question)
	}
	t.msgID, t.startSeq, t.parentID, t.siblings = a.ID, a.Seq, a.ParentID, a.Siblings
	sink.Send(encode(protocol.TurnAccepted(reqID, chatID, t.id, false)))
	r.subs[sink] = struct{}{}
	e.startLocked(r, t)
	go e.broadcastChat(context.WithoutCancel(ctx), chatID)
	return t.id, nil
}

// reanswerTarget is the message a regenerate or continue names, or the
// last of the active path.
func (e *Engine) reanswerTarget(ctx context.Context, chatID string, msgID int64) (store.Message, error) {
	if msgID == 0 {
		c, err := e.st(chatID).GetChat(ctx, chatID)
		if err != nil {
			return store.Message{}, fmt.Errorf("load chat %s: %w", chatID, err)
		}
		if c.ActiveLeaf == 0 {
			return store.Message{}, protocol.Refuse(protocol.ReasonNotFound, "chat %s has no answer to regenerate", chatID)
		}
		msgID = c.ActiveLeaf
	}
	m, err := e.st(chatID).GetMessage(ctx, msgID)
	if err != nil || m.ChatID != chatID {
		return store.Message{}, protocol.Refuse(protocol.ReasonNotFound, "no message %d in chat %s", msgID, chatID)
	}
	if m.Waiting {
		return store.Message{}, protocol.Refuse(protocol.ReasonInvalidField, "message %d is still waiting for its turn", msgID)
	}
	return m, nil
}

// continueUnsupported says why a server cannot go on from a kept text, or
// "" when it can: a continued answer is sent as a trailing assistant
// message (a prefill), which Ollama, llama.cpp's server, vLLM and LM Studio
// continue. OpenAI's own API answers such a message anew, so there
// continuing would quietly start over. Pure.
func continueUnsupported(kind, baseURL string) string {
	if kind == llm.KindOpenAI && hostIs(baseURL, "api.openai.com") {
		return "OpenAI's API cannot continue an answer from its text; use Try again instead"
	}
	return ""
}

// SwitchBranch makes the path through msgID (down to its newest leaf) the
// chat's active one and tells every client: the requester (with its
// req_id) and the chat's subscribers get branch_switched.
func (e *Engine) SwitchBranch(ctx context.Context, cmd protocol.SwitchBranch, sink Sink) error {
	r, err := e.lockRoom(ctx, cmd.ChatID)
	if err != nil {
		return err
	}
	if err := branchableLocked(r, "switch to another version"); err != nil {
		r.mu.Unlock()
		return err
	}
	seq, err := r.allocLocked(ctx, r.st.ReserveSeq)
	if err != nil {
		r.mu.Unlock()
		return err
	}
	leaf, err := e.st(cmd.ChatID).SwitchBranch(ctx, cmd.ChatID, cmd.MessageID, seq)
	if err != nil {
		r.mu.Unlock()
		return storeRefusal(err, cmd.ChatID, cmd.MessageID)
	}
	sink.Send(encode(protocol.BranchSwitched(cmd.ReqID, cmd.ChatID, seq, leaf)))
	r.publishLocked(encode(protocol.BranchSwitched("", cmd.ChatID, seq, leaf)), sink)
	r.mu.Unlock()
	e.maybeEvict(r)
	e.broadcastChat(ctx, cmd.ChatID)
	return nil
}

// hostIs reports whether rawURL's host is host. Pure.
func hostIs(rawURL, host string) bool {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	return err == nil && strings.EqualFold(u.Hostname(), host)
}
