package dispatch

import (
	"context"

	"github.com/hearth-app/hearth/backend/protocol"
)

// agentHandlers answer register_agent and list_agents, and take an agent's
// turn frames. A frame is answered only when it carries a req_id (an agent
// streams many) or is refused: a refusal names the frame's turn and changes
// nothing for the chat's viewers.
func agentHandlers(d Deps) Table {
	t := Table{
		protocol.CmdRegisterAgent: {Run: of(func(_ context.Context, s Session, c protocol.RegisterAgent) ([]protocol.Event, error) {
			if err := d.Turns.RegisterAgent(s.Sink, c.AgentName, c.Description); err != nil {
				return nil, err
			}
			return reply(protocol.AgentRegistered(c.ReqID, c.AgentName)), nil
		})},
		protocol.CmdListAgents: {Run: of(func(_ context.Context, _ Session, c protocol.ListAgents) ([]protocol.Event, error) {
			return reply(protocol.Agents(c.ReqID, d.Turns.Agents())), nil
		})},
	}
	frame := Handler{Run: of(func(ctx context.Context, s Session, f protocol.AgentFrame) ([]protocol.Event, error) {
		if err := d.Turns.AgentFrame(ctx, s.Sink, f); err != nil {
			return nil, err
		}
		if f.ReqID == "" {
			return nil, nil
		}
		return reply(protocol.FrameAccepted(f.ReqID, f.TurnID)), nil
	})}
	for _, k := range protocol.AgentFrameTypes() {
		t[k] = frame
	}
	return t
}
