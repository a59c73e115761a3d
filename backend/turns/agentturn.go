package turns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// agentCancelGrace is how long an agent has to end a turn after
// turn_cancel before Hearth ends it itself.
const agentCancelGrace = 5 * time.Second

// agentHistory is what an agent is sent: the conversation the model would
// see, as plain messages (an answer's own tool calls are the agent's
// business, so only its text goes back), media as URLs it can fetch.
func (e *Engine) agentHistory(in []turnInput) (msgs []protocol.TurnMessage, system string) {
	for _, m := range in {
		switch m.Role {
		case protocol.RoleSystem:
			system = m.Content
			continue
		case "tool":
			continue
		}
		if m.Role == protocol.RoleAssistant && len(msgs) > 0 && msgs[len(msgs)-1].Role == protocol.RoleAssistant {
			msgs[len(msgs)-1].Content += m.Content
			continue
		}
		if m.Role == protocol.RoleAssistant && m.Content == "" {
			continue
		}
		tm := protocol.TurnMessage{Role: m.Role, Content: m.Content}
		for _, md := range m.Media {
			tm.Media = append(tm.Media, protocol.TurnMedia{MIME: md.MIME, Name: md.Name, URL: e.opts.AgentMediaURL(md.ID)})
		}
		msgs = append(msgs, tm)
	}
	return msgs, system
}

// runAgent asks the chat's agent for the turn and relays what it sends
// until its turn_end, its connection's end, or the turn's cancellation.
func (e *Engine) runAgent(ctx context.Context, r *room, t *turn, chat store.Chat, in []turnInput) (status, errText string) {
	msgs, system := e.agentHistory(in)
	at, sink := e.startAgentTurn(chat.Agent, t, protocol.TurnRequest(t.chatID, t.id, msgs, system, chat.Model))
	if at == nil {
		return protocol.StatusError, offlineWords(chat.Agent)
	}
	defer e.endAgentTurn(chat.Agent, t.id, at)
	stopCP := e.startCheckpointer(ctx, r, t)
	defer stopCP()
	// Approvals the agent asked for end with the turn.
	approvals, endApprovals := context.WithCancel(ctx)
	defer endApprovals()

	done := t.ctx.Done()
	var grace <-chan time.Time
	cancelled := func() (string, string) {
		status, errText, _ := stoppedStatus(r, t)
		return status, errText
	}
	for {
		select {
		case f := <-at.frames:
			end, st, words := e.onAgentFrame(ctx, approvals, r, t, chat.Agent, sink, f)
			if grace != nil && end {
				return cancelled()
			}
			if end {
				return st, words
			}
		case <-at.gone:
			if grace != nil {
				return cancelled()
			}
			return protocol.StatusInterrupted, fmt.Sprintf("The agent %s disconnected during this answer; what it sent is kept.", chat.Agent)
		case <-done:
			done = nil
			sink.Send(encode(protocol.TurnCancel(t.chatID, t.id)))
			if errors.Is(context.Cause(t.ctx), errShutdown) {
				return cancelled()
			}
			grace = time.After(agentCancelGrace)
		case <-grace:
			e.log.Warn("agent did not end a cancelled turn in time", "agent", chat.Agent, "turn", t.id)
			return cancelled()
		}
	}
}

// onAgentFrame applies one frame of the agent's turn; end is true for its
// turn_end, with the turn's status and error words.
func (e *Engine) onAgentFrame(ctx, approvals context.Context, r *room, t *turn, agent string, sink Sink, f protocol.AgentFrame) (end bool, status, errText string) {
	if t.ctx.Err() != nil && f.Kind != protocol.AgentTurnEnd {
		// Cancelled: only the agent's end still matters.
		return false, "", ""
	}
	var err error
	switch f.Kind {
	case protocol.AgentReasoningDelta:
		err = e.onEvent(ctx, r, t, llm.Event{Kind: llm.EventReasoning, Text: f.Text})
	case protocol.AgentDelta:
		err = e.onEvent(ctx, r, t, llm.Event{Kind: llm.EventContent, Text: f.Text})
	case protocol.AgentReasoningEnd:
		r.mu.Lock()
		err = e.endReasoningLocked(ctx, r, t, time.Now())
		r.mu.Unlock()
	case protocol.AgentToolCall:
		p := e.agentPlace(r, t)
		e.toolEvent(ctx, r, t, store.EventToolCall, f.CallID, p, protocol.ToolCallEvent(t.chatID, 0, t.id,
			protocol.ToolCall{CallID: f.CallID, Server: agent, Name: f.Tool, Arguments: argsOrEmpty(f.Arguments), Offset: p.offset}))
	case protocol.AgentToolResult:
		e.toolEvent(ctx, r, t, store.EventToolResult, f.CallID, e.agentPlace(r, t),
			protocol.ToolResult(t.chatID, 0, t.id, f.CallID, f.Status, capBytes(f.Content, maxToolResultBytes), nil, 0))
	case protocol.AgentApprovalRequest:
		e.agentApproval(ctx, approvals, r, t, agent, sink, f)
	case protocol.AgentTurnEnd:
		if f.Usage != nil {
			r.mu.Lock()
			t.usage = &store.Usage{PromptTokens: f.Usage.PromptTokens, CompletionTokens: f.Usage.CompletionTokens, TotalTokens: f.Usage.TotalTokens}
			r.mu.Unlock()
		}
		if f.Status == protocol.StatusError {
			words := f.Error
			if words == "" {
				words = "The agent " + agent + " reported an error."
			}
			return true, protocol.StatusError, words
		}
		return true, protocol.StatusDone, ""
	}
	if err != nil {
		// A size limit: the turn's context is cancelled and its end follows.
		e.log.Warn("agent frame not applied", "agent", agent, "turn", t.id, "err", err)
	}
	return false, "", ""
}

// agentPlace is where a call the agent reports stands in its answer.
func (e *Engine) agentPlace(r *room, t *turn) callPlace {
	r.mu.Lock()
	defer r.mu.Unlock()
	return callPlace{at: len(t.live.content), offset: utf16Len(string(t.live.content))}
}

func argsOrEmpty(a json.RawMessage) json.RawMessage {
	if len(a) == 0 {
		return json.RawMessage(`{}`)
	}
	return a
}

// agentApproval asks the chat's clients about a call the agent wants to
// make, and tells the agent the answer. A tool the user allowed for the
// chat or always is answered at once. The wait runs beside the frames: the
// agent may go on streaming meanwhile.
func (e *Engine) agentApproval(ctx, approvals context.Context, r *room, t *turn, agent string, sink Sink, f protocol.AgentFrame) {
	tool := Tool{Server: agent, Name: f.Tool}
	tell := func(decision string) {
		ev := protocol.ApprovalResolved(t.chatID, 0, t.id, f.CallID, decision, "")
		sink.Send(encode(ev))
	}
	if g := e.trusted(ctx, t.chatID, tool); g != "" {
		tell(protocol.DecisionOnce)
		return
	}
	p := e.agentPlace(r, t)
	pc := protocol.ToolCall{CallID: f.CallID, Server: agent, Name: f.Tool, Arguments: argsOrEmpty(f.Arguments), Offset: p.offset}
	go func() {
		decision, _ := e.askApprovalUntil(ctx, approvals.Done(), r, t, p, pc, tool)
		tell(decision)
	}()
}
