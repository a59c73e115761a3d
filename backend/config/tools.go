package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Tool calls through MCP servers (docs/tools.md).
const (
	// DefaultToolSteps: model requests one turn may make while it keeps
	// calling tools; then it is asked to answer with what it has.
	DefaultToolSteps = 20
	// MaxToolSteps is the most tool_steps may be set to.
	MaxToolSteps = 1000
	// DefaultToolResultChars: the characters of one tool result the model
	// reads; the rest is cut with a note (the user sees all of it).
	DefaultToolResultChars = 16000
	// MaxToolResultChars is the most tool_result_chars may be set to.
	MaxToolResultChars = 1 << 20
	// DefaultApprovalTimeout: how long a call waits for the user's answer
	// before it is denied.
	DefaultApprovalTimeout = 10 * time.Minute
	// MaxApprovalTimeout is the longest approval_timeout.
	MaxApprovalTimeout = 24 * time.Hour
)

func init() {
	for _, k := range []string{"mcp_config", "tool_steps", "tool_result_chars", "approval_timeout", "tools_off"} {
		knownKeys[k] = true
	}
}

// fileTools are the config.toml keys of tool calls, inlined into fileConfig.
type fileTools struct {
	MCPConfig       *string          `toml:"mcp_config"`
	ToolSteps       *int64           `toml:"tool_steps"`
	ToolResultChars *int64           `toml:"tool_result_chars"`
	ApprovalTimeout *approvalTimeout `toml:"approval_timeout"`
	ToolsOff        []string         `toml:"tools_off"`
}

// approvalTimeout is fileDuration with its own key in errors.
type approvalTimeout struct{ d time.Duration }

func (a *approvalTimeout) UnmarshalTOML(v any) error {
	var f fileDuration
	if err := f.UnmarshalTOML(v); err != nil {
		return fmt.Errorf("approval_timeout: %s", strings.TrimPrefix(err.Error(), "provider_idle_timeout: "))
	}
	a.d = f.d
	return nil
}

// tools resolves the tool keys into c. mcp_config is a path like the
// config file's own: --mcp-config, then HEARTH_MCP_CONFIG, then the file,
// then $XDG_CONFIG_HOME/hearth/mcp.json.
func (r resolver) tools(ov *Overrides, fc fileConfig, dirs baseDirs, c *Config) {
	c.MCPConfig = r.str("mcp_config", "mcp-config", ov.MCPConfig, []string{"HEARTH_MCP_CONFIG"}, fc.MCPConfig,
		filepath.Join(dirs.configHome, appDir, "mcp.json"), Source{})
	if c.MCPConfig = expandHome(strings.TrimSpace(c.MCPConfig), dirs.home); c.MCPConfig != "" {
		if abs, err := filepath.Abs(c.MCPConfig); err == nil {
			c.MCPConfig = abs
		}
	}
	c.ToolSteps = int(r.num("tool_steps", fc.ToolSteps, DefaultToolSteps))
	c.ToolResultChars = int(r.num("tool_result_chars", fc.ToolResultChars, DefaultToolResultChars))
	if fc.ApprovalTimeout != nil {
		c.ApprovalTimeout = fc.ApprovalTimeout.d
		r.src.set("approval_timeout", r.fromFile())
	} else {
		c.ApprovalTimeout = DefaultApprovalTimeout
		r.src.set("approval_timeout", Source{})
	}
	c.ToolsOff = nil
	r.src.set("tools_off", Source{})
	if fc.ToolsOff != nil {
		c.ToolsOff = fc.ToolsOff
		r.src.set("tools_off", r.fromFile())
	}
}

// MCPConfigNamed reports whether the user named the MCP config file (flag,
// environment or config.toml), so that its absence deserves a warning; the
// default file may well not exist.
func (c Config) MCPConfigNamed() bool { return c.Source("mcp_config").Layer != LayerDefault }

// MCPLogDir holds one log file per MCP server (its stderr), beside the
// other state of this data dir.
func (c Config) MCPLogDir() string {
	if c.StateDir == "" {
		return filepath.Join(c.DataDir, "mcp")
	}
	return filepath.Join(c.StateDir, "mcp")
}

func validateTools(c Config, add func(key string, err error)) {
	if c.MCPConfig == "" {
		add("mcp_config", fmt.Errorf("the MCP config file path is empty"))
	}
	if c.ToolSteps <= 0 || c.ToolSteps > MaxToolSteps {
		add("tool_steps", fmt.Errorf("tool_steps must be between 1 and %d, got %d", MaxToolSteps, c.ToolSteps))
	}
	if c.ToolResultChars <= 0 || c.ToolResultChars > MaxToolResultChars {
		add("tool_result_chars", fmt.Errorf("tool_result_chars must be between 1 and %d, got %d", MaxToolResultChars, c.ToolResultChars))
	}
	for _, s := range c.ToolsOff {
		if strings.TrimSpace(s) == "" || len(s) > 200 {
			add("tools_off", fmt.Errorf("tools_off holds MCP server names (1 to 200 bytes), got %q", s))
		}
	}
	if c.ApprovalTimeout <= 0 || c.ApprovalTimeout > MaxApprovalTimeout {
		add("approval_timeout", fmt.Errorf("approval_timeout must be above 0 and at most %v, got %v", MaxApprovalTimeout, c.ApprovalTimeout))
	}
}
