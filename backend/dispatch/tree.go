package dispatch

import (
	"context"

	"github.com/hearth-app/hearth/backend/protocol"
)

// treeHandlers are the branch commands. Their replies keep their place in
// the chat's stream, so the engine sends them: message_accepted before an
// edit's turn, turn_accepted before a regenerated answer's turn_start,
// branch_switched to the requester with its req_id.
func treeHandlers(d Deps) Table {
	return Table{
		protocol.CmdEditMessage: {Run: of(func(ctx context.Context, s Session, c protocol.EditMessage) ([]protocol.Event, error) {
			return nil, d.Turns.Edit(ctx, c, s.Sink)
		})},
		protocol.CmdRegenerate: {Run: of(func(ctx context.Context, s Session, c protocol.Regenerate) ([]protocol.Event, error) {
			_, err := d.Turns.Regenerate(ctx, c, s.Sink)
			return nil, err
		})},
		protocol.CmdContinue: {Run: of(func(ctx context.Context, s Session, c protocol.Continue) ([]protocol.Event, error) {
			_, err := d.Turns.Continue(ctx, c, s.Sink)
			return nil, err
		})},
		protocol.CmdSwitchBranch: {Run: of(func(ctx context.Context, s Session, c protocol.SwitchBranch) ([]protocol.Event, error) {
			return nil, d.Turns.SwitchBranch(ctx, c, s.Sink)
		})},
		// chat_created goes to every connection; the requester's copy
		// carries its req_id.
		protocol.CmdForkChat: {Run: of(func(ctx context.Context, _ Session, c protocol.ForkChat) ([]protocol.Event, error) {
			pc, err := d.Chats.Fork(ctx, c.ChatID, c.MessageID)
			if err != nil {
				return nil, err
			}
			ev := protocol.ChatCreated(pc)
			ev.ReqID = c.ReqID
			return reply(ev), nil
		})},
	}
}
