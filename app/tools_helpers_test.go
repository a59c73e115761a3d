package app

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// toolHearth is Hearth with the MCP test server configured as "t" and the
// fake model speaking format ("openai" or "ollama").
func toolHearth(t *testing.T, format string, tune func(*config.Config), autoApprove ...string) (*testHearth, *llmtest.Server) {
	t.Helper()
	fake := llmtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake)
	cfg.AutoTitles = false
	if format == "ollama" {
		cfg.Provider, cfg.ProviderURL = "ollama", fake.URL
	}
	srv := map[string]any{"command": mcpTestServerBinary(t)}
	if len(autoApprove) > 0 {
		srv["autoApprove"] = autoApprove
	}
	cfg.MCPConfig = filepath.Join(filepath.Dir(cfg.DataDir), "mcp.json")
	writeMCPConfig(t, cfg.MCPConfig, map[string]any{"t": srv})
	if tune != nil {
		tune(&cfg)
	}
	h := startWith(t, cfg, fake)
	return h, fake
}

// waitServerReady waits (by events) until the MCP server name is ready.
func (c *wsc) waitServerReady(name string) {
	c.t.Helper()
	ev := c.request(map[string]any{"type": "list_mcp_servers"})
	for {
		if serverState(ev, name) == "ready" {
			return
		}
		if s := serverState(ev, name); s == "failed" {
			c.t.Fatalf("MCP server %s failed: %v", name, ev)
		}
		ev = c.expect("mcp_servers")
	}
}

func serverState(ev map[string]any, name string) string {
	items, _ := ev["items"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		if m["name"] == name {
			s, _ := m["state"].(string)
			return s
		}
	}
	return ""
}

// toolResults counts the results a request carries after its last
// question.
func toolResults(r llmtest.RecordedRequest) []llmtest.RecordedMessage {
	var out []llmtest.RecordedMessage
	for i := len(r.Messages) - 1; i >= 0 && r.Messages[i].Role != "user"; i-- {
		if r.Messages[i].Role == "tool" {
			out = append([]llmtest.RecordedMessage{r.Messages[i]}, out...)
		}
	}
	return out
}

func lastUserHas(r llmtest.RecordedRequest, word string) bool {
	return strings.Contains(r.LastUser(), word)
}
