package dispatch

import (
	"context"

	"github.com/hearth-app/hearth/backend/protocol"
)

// toolHandlers answer approve and the grant commands. An approve's effect
// reaches every client of the chat as approval_resolved; its own reply is
// approve_accepted.
func toolHandlers(d Deps) Table {
	return Table{
		protocol.CmdApprove: {Run: of(func(ctx context.Context, s Session, c protocol.Approve) ([]protocol.Event, error) {
			if d.Turns.IsAgent(s.Sink) {
				// An agent never approves a call, its own or another's.
				return nil, protocol.Refuse(protocol.ReasonNotYourTurn, "an agent cannot answer approval requests; a person answers them in a client")
			}
			if err := d.Turns.Approve(ctx, c.ChatID, c.CallID, c.Decision, s.ClientID); err != nil {
				return nil, err
			}
			return reply(protocol.ApproveAccepted(c.ReqID, c.ChatID, c.CallID, c.Decision)), nil
		})},
		protocol.CmdListToolGrants: {Run: of(func(ctx context.Context, _ Session, c protocol.ListToolGrants) ([]protocol.Event, error) {
			items, err := d.Turns.Grants(ctx)
			if err != nil {
				return nil, err
			}
			return reply(protocol.ToolGrants(c.ReqID, items)), nil
		})},
		protocol.CmdRevokeToolGrant: {Run: of(func(ctx context.Context, _ Session, c protocol.RevokeToolGrant) ([]protocol.Event, error) {
			items, err := d.Turns.RevokeGrant(ctx, c.Server, c.Tool)
			if err != nil {
				return nil, err
			}
			return reply(protocol.ToolGrants(c.ReqID, items)), nil
		})},
	}
}
