package turns

import (
	"context"
	"sort"

	"github.com/hearth-app/hearth/backend/protocol"
)

// An agent is a local program connected to Hearth that answers the turns of
// the chats bound to it (docs/agents.md). The registry is the engine's:
// which connection is which agent, and which of its turns run.
//
// Lock order: agentsMu is taken alone, or inside a room's mu — never a room
// inside it.

// agentConn is one registered agent: its connection and its running turns.
type agentConn struct {
	name, description string
	sink              Sink
	turns             map[string]*agentTurn
}

// agentTurn is a turn an agent answers: the frames it sent, in order, and
// the end of its connection.
type agentTurn struct {
	chatID string
	frames chan protocol.AgentFrame
	gone   chan struct{}
	// ended closes when the engine is done with the turn: a frame still
	// waiting for room in frames is refused instead of waiting forever.
	ended chan struct{}
}

// agentFrameBuffer bounds the frames of one turn waiting for the engine; a
// faster agent waits for it (its connection's reads pause).
const agentFrameBuffer = 256

// RegisterAgent makes sink the agent name. A name held by another live
// connection is refused (name_taken); it is free again once that
// connection is gone. A connection is one agent.
func (e *Engine) RegisterAgent(sink Sink, name, description string) error {
	e.agentsMu.Lock()
	if cur, ok := e.agents[name]; ok && cur.sink != sink {
		e.agentsMu.Unlock()
		return protocol.Refuse(protocol.ReasonNameTaken, "another connection is the agent %q; it is free again once that connection closes", name)
	}
	if other, ok := e.agentBySink[sink]; ok && other.name != name {
		e.agentsMu.Unlock()
		return protocol.Refuse(protocol.ReasonInvalidField, "this connection is already the agent %q", other.name)
	}
	ac, again := e.agents[name]
	if !again {
		ac = &agentConn{name: name, sink: sink, turns: map[string]*agentTurn{}}
		e.agents[name] = ac
		e.agentBySink[sink] = ac
	}
	// An agent that says nothing of itself keeps what the config says.
	if description == "" {
		description = e.known[name]
	}
	ac.description = description
	e.known[name] = description
	e.agentsMu.Unlock()
	if !again {
		e.log.Info("agent online", "agent", name)
		e.opts.Broadcast(encode(protocol.AgentOnline(name)))
	}
	return nil
}

// KnowAgent lists an agent that is not connected yet (one config.toml
// names), so clients can offer it.
func (e *Engine) KnowAgent(name, description string) {
	e.agentsMu.Lock()
	defer e.agentsMu.Unlock()
	if _, ok := e.known[name]; !ok || description != "" {
		e.known[name] = description
	}
}

// IsAgent reports whether sink is a registered agent's connection.
func (e *Engine) IsAgent(sink Sink) bool {
	e.agentsMu.Lock()
	defer e.agentsMu.Unlock()
	_, ok := e.agentBySink[sink]
	return ok
}

// Agents lists the agents Hearth knows, by name: those connected now and
// those known from the config or an earlier connection.
func (e *Engine) Agents() []protocol.Agent {
	e.agentsMu.Lock()
	defer e.agentsMu.Unlock()
	out := make([]protocol.Agent, 0, len(e.known))
	for name, desc := range e.known {
		_, online := e.agents[name]
		out = append(out, protocol.Agent{Name: name, Description: desc, Online: online})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// agentGone forgets a closing connection's agent: its running turns end
// interrupted (each sees gone), and every client hears it is offline.
func (e *Engine) agentGone(sink Sink) {
	e.agentsMu.Lock()
	ac, ok := e.agentBySink[sink]
	if ok {
		delete(e.agentBySink, sink)
		delete(e.agents, ac.name)
		for _, at := range ac.turns {
			close(at.gone)
		}
		ac.turns = nil
	}
	e.agentsMu.Unlock()
	if ok {
		e.log.Info("agent offline", "agent", ac.name)
		e.opts.Broadcast(encode(protocol.AgentOffline(ac.name)))
	}
}

// AgentFrame takes one frame of a turn from the agent answering it. A
// frame for a turn that is not this connection's (or has ended) is
// refused, and changes nothing.
func (e *Engine) AgentFrame(ctx context.Context, sink Sink, f protocol.AgentFrame) error {
	e.agentsMu.Lock()
	ac, ok := e.agentBySink[sink]
	var at *agentTurn
	if ok {
		at = ac.turns[f.TurnID]
	}
	e.agentsMu.Unlock()
	switch {
	case !ok:
		return protocol.Refuse(protocol.ReasonNotYourTurn, "this connection is no agent: register_agent first")
	case at == nil:
		return protocol.Refuse(protocol.ReasonNotYourTurn, "turn %s is not one of %s's running turns", f.TurnID, ac.name)
	}
	select {
	case at.frames <- f:
		return nil
	case <-at.gone:
		return protocol.Refuse(protocol.ReasonNotYourTurn, "turn %s has ended", f.TurnID)
	case <-at.ended:
		return protocol.Refuse(protocol.ReasonNotYourTurn, "turn %s has ended", f.TurnID)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startAgentTurn registers a turn with the chat's agent and sends it the
// request; nil when the agent is not connected.
func (e *Engine) startAgentTurn(name string, t *turn, req protocol.Event) (*agentTurn, Sink) {
	e.agentsMu.Lock()
	defer e.agentsMu.Unlock()
	ac, ok := e.agents[name]
	if !ok {
		return nil, nil
	}
	at := &agentTurn{chatID: t.chatID, frames: make(chan protocol.AgentFrame, agentFrameBuffer), gone: make(chan struct{}), ended: make(chan struct{})}
	ac.turns[t.id] = at
	ac.sink.Send(encode(req))
	return at, ac.sink
}

// endAgentTurn forgets a turn; later frames for it are refused.
func (e *Engine) endAgentTurn(name, turnID string, at *agentTurn) {
	e.agentsMu.Lock()
	defer e.agentsMu.Unlock()
	close(at.ended)
	if ac, ok := e.agents[name]; ok && ac.turns[turnID] == at {
		delete(ac.turns, turnID)
	}
}

// offlineWords is the error a turn ends with when its agent is away.
func offlineWords(name string) string {
	return "The agent " + name + " is not connected, so nothing answered. Start it (hearth agents lists the agents), then send the message again: it is kept."
}
