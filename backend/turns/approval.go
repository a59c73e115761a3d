package turns

import (
	"context"
	"errors"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// defaultApprovalTimeout is how long a call waits for the user when the
// caller sets nothing (config.toml's approval_timeout is what users get).
const defaultApprovalTimeout = 10 * time.Minute

// pendingApproval is a call waiting for the user. Whoever takes it out of
// its room's approvals (under the room's lock) decides it, so the first
// answer wins and a late one finds nothing.
type pendingApproval struct {
	turn   *turn
	server string
	tool   string
	// decided receives the one decision; buffered so the decider never waits.
	decided chan resolution
}

type resolution struct{ decision, by string }

// askApproval sends approval_request to every client of the chat and waits
// for the first answer, the timeout, or the end of the turn; it returns
// the decision and who made it, after approval_resolved went out.
func (e *Engine) askApproval(ctx context.Context, r *room, t *turn, p callPlace, pc protocol.ToolCall, tool Tool) (decision, by string) {
	return e.askApprovalUntil(ctx, nil, r, t, p, pc, tool)
}

// askApprovalUntil is askApproval that also ends (by cancel) when stop
// closes: an agent's turn ends its own requests with it.
func (e *Engine) askApprovalUntil(ctx context.Context, stop <-chan struct{}, r *room, t *turn, p callPlace, pc protocol.ToolCall, tool Tool) (decision, by string) {
	expires := time.Now().Add(e.opts.ApprovalTimeout)
	pa := &pendingApproval{turn: t, server: tool.Server, tool: tool.Name, decided: make(chan resolution, 1)}
	r.mu.Lock()
	if r.approvals == nil {
		r.approvals = map[string]*pendingApproval{}
	}
	r.approvals[pc.CallID] = pa
	first := r.waitingLocked() == 1
	r.mu.Unlock()
	e.toolEvent(ctx, r, t, store.EventApprovalRequest, pc.CallID, p,
		protocol.ApprovalRequest(t.chatID, 0, t.id, pc, protocol.ToolHints{ReadOnly: tool.ReadOnly, Destructive: tool.Destructive}, expires))
	if first {
		e.broadcastChat(ctx, t.chatID)
	}
	timer := time.NewTimer(time.Until(expires))
	defer timer.Stop()
	var res resolution
	select {
	case res = <-pa.decided:
	case <-timer.C:
		res = e.decideSelf(r, pc.CallID, pa, resolution{protocol.DecisionDeny, protocol.ByTimeout})
	case <-t.ctx.Done():
		by := protocol.ByCancel
		if errors.Is(context.Cause(t.ctx), errShutdown) {
			by = protocol.ByShutdown
		}
		res = e.decideSelf(r, pc.CallID, pa, resolution{protocol.DecisionDeny, by})
	case <-stop:
		res = e.decideSelf(r, pc.CallID, pa, resolution{protocol.DecisionDeny, protocol.ByCancel})
	}
	e.toolEvent(ctx, r, t, store.EventApprovalResolved, pc.CallID, p,
		protocol.ApprovalResolved(t.chatID, 0, t.id, pc.CallID, res.decision, res.by))
	r.mu.Lock()
	last := r.waitingLocked() == 0
	r.mu.Unlock()
	if last {
		e.broadcastChat(ctx, t.chatID)
	}
	return res.decision, res.by
}

// decideSelf ends a wait from the waiting side (timeout, cancel): unless a
// client's answer got there first, in which case that answer stands.
func (e *Engine) decideSelf(r *room, callID string, pa *pendingApproval, own resolution) resolution {
	r.mu.Lock()
	if r.approvals[callID] == pa {
		delete(r.approvals, callID)
		r.mu.Unlock()
		return own
	}
	r.mu.Unlock()
	return <-pa.decided
}

// waitingLocked counts the calls of the chat waiting for the user. Caller
// holds r.mu.
func (r *room) waitingLocked() int { return len(r.approvals) }

// Approve answers a waiting call: the first answer wins. "chat" and
// "always" are kept (for the chat, for every chat) before the call goes
// on, and answer the other calls of the same tool waiting in the chat.
// by names who answered (the client's id).
func (e *Engine) Approve(ctx context.Context, chatID, callID, decision, by string) error {
	r, err := e.lockRoom(ctx, chatID)
	if err != nil {
		return err
	}
	pa, ok := r.approvals[callID]
	r.mu.Unlock()
	if !ok {
		return e.noPending(ctx, chatID, callID)
	}
	switch decision {
	case protocol.DecisionAlways:
		if err := e.opts.Store.Grant(ctx, store.ToolGrant{Server: pa.server, Tool: pa.tool}); err != nil {
			return err
		}
		e.broadcastGrants(ctx)
	case protocol.DecisionChat:
		if err := e.st(chatID).Grant(ctx, store.ToolGrant{ChatID: chatID, Server: pa.server, Tool: pa.tool}); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.approvals[callID] != pa {
		// Someone else (or the timeout) answered while the grant was written.
		return protocol.Refuse(protocol.ReasonAlreadyResolved, "call %s was already answered", callID)
	}
	delete(r.approvals, callID)
	pa.decided <- resolution{decision, by}
	if decision == protocol.DecisionChat || decision == protocol.DecisionAlways {
		for id, other := range r.approvals {
			if other.server == pa.server && other.tool == pa.tool {
				delete(r.approvals, id)
				other.decided <- resolution{decision, by}
			}
		}
	}
	return nil
}

// noPending is the refusal of an approve whose call waits no longer:
// already_resolved for a call the chat knows, not_found otherwise.
func (e *Engine) noPending(ctx context.Context, chatID, callID string) error {
	known, err := e.st(chatID).CallKnown(ctx, chatID, callID)
	if err != nil {
		return err
	}
	if known {
		return protocol.Refuse(protocol.ReasonAlreadyResolved, "call %s was already answered, or its turn ended", callID)
	}
	return protocol.Refuse(protocol.ReasonNotFound, "no call %s waits for approval in this chat", callID)
}

// AwaitingApproval reports whether a call of the chat waits for the user.
func (e *Engine) AwaitingApproval(chatID string) bool {
	waiting := false
	e.inRoom(chatID, func(r *room) { waiting = r.waitingLocked() > 0 })
	return waiting
}

// broadcastGrants tells every connection the "always" grants changed.
func (e *Engine) broadcastGrants(ctx context.Context) {
	items, err := e.Grants(ctx)
	if err != nil {
		e.log.Warn("could not list tool grants", "err", err)
		return
	}
	e.opts.Broadcast(encode(protocol.ToolGrants("", items)))
}

// Grants lists the "always" grants.
func (e *Engine) Grants(ctx context.Context) ([]protocol.ToolGrant, error) {
	gs, err := e.opts.Store.Grants(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]protocol.ToolGrant, 0, len(gs))
	for _, g := range gs {
		out = append(out, protocol.ToolGrant{Server: g.Server, Tool: g.Tool, CreatedAt: g.CreatedAt})
	}
	return out, nil
}

// RevokeGrant removes an "always" grant and tells every connection.
func (e *Engine) RevokeGrant(ctx context.Context, server, tool string) ([]protocol.ToolGrant, error) {
	err := e.opts.Store.Revoke(ctx, store.ToolGrant{Server: server, Tool: tool})
	if errors.Is(err, store.ErrNotFound) {
		return nil, protocol.Refuse(protocol.ReasonNotFound, "%s of %s is not always allowed", tool, server)
	}
	if err != nil {
		return nil, err
	}
	items, err := e.Grants(ctx)
	if err != nil {
		return nil, err
	}
	e.opts.Broadcast(encode(protocol.ToolGrants("", items)))
	return items, nil
}
