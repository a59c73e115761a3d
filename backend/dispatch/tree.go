package dispatch

import (
	"context"

	"github.com/hearth-app/hearth/backend/protocol"
)

// treeHandlers are the branch and preset commands.
func treeHandlers(_ Deps) Table {
	notYet := func(ctx context.Context, s Session, cmd protocol.Command) ([]protocol.Event, error) {
		return nil, protocol.Refuse(protocol.ReasonNotSupported, "%s is not available in this build yet", cmd.Name())
	}
	t := Table{}
	for _, n := range []string{protocol.CmdEditMessage, protocol.CmdRegenerate, protocol.CmdContinue,
		protocol.CmdSwitchBranch, protocol.CmdForkChat} {
		t[n] = Handler{Run: notYet}
	}
	return t
}
