package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mcp_config follows the one precedence order: --mcp-config, then
// HEARTH_MCP_CONFIG, then config.toml, then $XDG_CONFIG_HOME/hearth/mcp.json.
func TestMCPConfigPath(t *testing.T) {
	file := `mcp_config = "~/from-file.json"` + "\n"
	env := map[string]string{"HEARTH_MCP_CONFIG": "/env/mcp.json"}
	flags := []string{"--mcp-config", "/flag/mcp.json"}
	for _, tc := range []struct {
		name   string
		lc     loadCase
		want   string
		source string
		named  bool
	}{
		{"default", loadCase{}, "", "default", false},
		{"file", loadCase{file: file}, "/home/u/from-file.json", "file", true},
		{"env over file", loadCase{file: file, env: env}, "/env/mcp.json", "env HEARTH_MCP_CONFIG", true},
		{"flag over env", loadCase{file: file, env: env, flags: flags}, "/flag/mcp.json", "flag --mcp-config", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadWith(t, tc.lc, "linux")
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == "" {
				want = filepath.Join(filepath.Dir(c.ConfigFile), "mcp.json")
			}
			if c.MCPConfig != want {
				t.Errorf("MCPConfig = %q, want %q", c.MCPConfig, want)
			}
			if got := describe(t, c, c.Source("mcp_config")); got != tc.source {
				t.Errorf("source %q, want %q", got, tc.source)
			}
			if c.MCPConfigNamed() != tc.named {
				t.Errorf("MCPConfigNamed = %v", c.MCPConfigNamed())
			}
			if c.MCPLogDir() != "/home/u/.local/state/hearth/mcp" {
				t.Errorf("MCPLogDir = %q", c.MCPLogDir())
			}
		})
	}
	if (Config{DataDir: "/d"}).MCPLogDir() != "/d/mcp" {
		t.Error("a Config without a state dir logs under its data dir")
	}
}

func TestToolKeysFromFile(t *testing.T) {
	c, err := loadWith(t, loadCase{file: "tool_steps = 5\ntool_result_chars = 100\napproval_timeout = \"90s\"\n"}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	if c.ToolSteps != 5 || c.ToolResultChars != 100 || c.ApprovalTimeout != 90*time.Second {
		t.Fatalf("got %d %d %v", c.ToolSteps, c.ToolResultChars, c.ApprovalTimeout)
	}
	for _, k := range []string{"tool_steps", "tool_result_chars", "approval_timeout"} {
		if got := describe(t, c, c.Source(k)); got != "file" {
			t.Errorf("%s from %s", k, got)
		}
	}
	c, err = loadWith(t, loadCase{file: "approval_timeout = 300\n"}, "linux")
	if err != nil || c.ApprovalTimeout != 5*time.Minute {
		t.Fatalf("approval_timeout in seconds: %v %v", c.ApprovalTimeout, err)
	}
}

func TestToolKeysRefused(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"tool_steps = 0\n", "tool_steps must be between 1 and 1000, got 0"},
		{"tool_steps = 1001\n", "tool_steps must be between 1 and 1000"},
		{"tool_result_chars = -1\n", "tool_result_chars must be between 1 and 1048576, got -1"},
		{"approval_timeout = \"0s\"\n", "approval_timeout must be above 0"},
		{"approval_timeout = \"48h\"\n", "at most 24h0m0s"},
		{"approval_timeout = \"soon\"\n", `approval_timeout: "soon" is not a duration`},
		{"mcp_config = \"\"\n", "the MCP config file path is empty"},
		{"Tool_Steps = 3\n", `unknown key "Tool_Steps"`},
	} {
		_, err := loadWith(t, loadCase{file: tc.file}, "linux")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.file, err, tc.want)
		}
	}
}

func TestToolsOffForNewChats(t *testing.T) {
	c, err := loadWith(t, loadCase{}, "linux")
	if err != nil || c.ToolsOff != nil || c.Source("tools_off").Layer != LayerDefault {
		t.Fatalf("default tools_off = %v (%v), %v", c.ToolsOff, c.Source("tools_off"), err)
	}
	c, err = loadWith(t, loadCase{file: "tools_off = [\"web\", \"shell\"]\n"}, "linux")
	if err != nil || strings.Join(c.ToolsOff, ",") != "web,shell" || c.Source("tools_off").Layer != LayerFile {
		t.Fatalf("tools_off = %v (%v), %v", c.ToolsOff, c.Source("tools_off"), err)
	}
	if _, err := loadWith(t, loadCase{file: "tools_off = [\" \"]\n"}, "linux"); err == nil || !strings.Contains(err.Error(), "tools_off") {
		t.Errorf("a blank server name: %v", err)
	}
}
