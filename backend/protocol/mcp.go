package protocol

// MCP servers as clients see them: list_mcp_servers answers with
// mcp_servers, which is also broadcast to every connection whenever a
// server's state, tools or the config file's problems change.

const (
	EvMCPServers      = "mcp_servers"
	CmdListMCPServers = "list_mcp_servers"
)

// A server's state in mcp_servers.
const (
	MCPStarting = "starting"
	MCPReady    = "ready"
	MCPFailed   = "failed"
	MCPDisabled = "disabled"
)

// MCPServer is one server of the MCP config file.
type MCPServer struct {
	Name string `json:"name"`
	// Transport: stdio, http (streamable HTTP) or sse.
	Transport string `json:"transport"`
	State     string `json:"state"`
	// Error says why a failed server failed; StderrTail is the end of what
	// a stdio server wrote to its stderr (its log file has all of it).
	Error      string `json:"error,omitempty"`
	StderrTail string `json:"stderr_tail,omitempty"`
	// Restarts counts the starts after a crash or a failed start.
	Restarts int       `json:"restarts"`
	Tools    []MCPTool `json:"tools"`
}

// MCPTool is one tool of a ready server. ReadOnly and Destructive are the
// server's own hints (the spec's defaults when it gives none: not read-only,
// destructive); AutoApprove: the config file's autoApprove lists it.
type MCPTool struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	ReadOnly    bool   `json:"read_only"`
	Destructive bool   `json:"destructive"`
	AutoApprove bool   `json:"auto_approve"`
}

// ListMCPServers asks for the MCP servers and their tools.
type ListMCPServers struct{ Base }

func (ListMCPServers) Name() string { return CmdListMCPServers }

// MCPServers lists the servers in name order. configPath is the MCP config
// file; configError, when not empty, says what is wrong with it (a file
// named but missing, broken JSON, a broken entry).
func MCPServers(reqID, configPath, configError string, items []MCPServer) Event {
	if items == nil {
		items = []MCPServer{}
	}
	return Event{Event: EvMCPServers, ReqID: reqID, ConfigPath: configPath, Error: configError, Items: items}
}

// routeMCP routes the MCP commands; ok is false for any other type.
func routeMCP(typ string, _ Frame, reqID string) (d Decision, ok bool) {
	switch typ {
	case CmdListMCPServers:
		return Decision{Cmd: ListMCPServers{Base{reqID}}}, true
	}
	return Decision{}, false
}
