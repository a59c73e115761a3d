package dispatch

import (
	"context"

	"github.com/hearth-app/hearth/backend/mcp"
	"github.com/hearth-app/hearth/backend/protocol"
)

// MCP is what list_mcp_servers reads of the MCP servers (an *mcp.Manager).
type MCP interface {
	Statuses() []mcp.Status
	ConfigPath() string
	ConfigError() string
	AutoApproved(server, tool string) bool
}

func mcpHandlers(d Deps) Table {
	return Table{
		protocol.CmdListMCPServers: {Run: of(func(_ context.Context, _ Session, c protocol.ListMCPServers) ([]protocol.Event, error) {
			return reply(MCPServersEvent(c.ReqID, d.MCP)), nil
		})},
	}
}

// MCPServersEvent is mcp_servers as m stands now: the answer to
// list_mcp_servers and, with no req_id, the broadcast on every change. A
// nil m lists no server.
func MCPServersEvent(reqID string, m MCP) protocol.Event {
	if m == nil {
		return protocol.MCPServers(reqID, "", "", nil)
	}
	sts := m.Statuses()
	items := make([]protocol.MCPServer, 0, len(sts))
	for _, st := range sts {
		it := protocol.MCPServer{Name: st.Name, Transport: st.Transport, State: st.State, Error: st.Error,
			StderrTail: st.StderrTail, Restarts: st.Restarts, Tools: make([]protocol.MCPTool, 0, len(st.Tools))}
		for _, t := range st.Tools {
			it.Tools = append(it.Tools, protocol.MCPTool{Name: t.Name, Description: t.Description, ReadOnly: t.ReadOnly,
				Destructive: t.Destructive, AutoApprove: m.AutoApproved(st.Name, t.Name)})
		}
		items = append(items, it)
	}
	return protocol.MCPServers(reqID, m.ConfigPath(), m.ConfigError(), items)
}
