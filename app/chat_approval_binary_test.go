package app

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"os/exec"
	"path/filepath"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// hearth chat asks on the terminal when a call of its turn needs approval:
// the real binary on a real pseudo-terminal (util-linux's script), a real
// MCP server, the fake model calling a tool.
func TestChatAsksForApprovalOnTheTerminal(t *testing.T) {
	fake := llmtestNew(t)
	fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
		if res := toolResults(r); len(res) > 0 {
			return textScript("The tool said ", res[0].Content), true
		}
		return callStep(echoCall("call_t", "from the terminal")), true
	})
	u := newUserEnv(t, fake)
	writeMCPConfig(t, filepath.Join(u.home, "config", "hearth", "mcp.json"),
		map[string]any{"local": map[string]any{"command": mcpTestServerBinary(t)}})
	sp := u.serve(t)
	ws := dialUnix(t, sp.line.Socket, "")
	ws.waitServerReady("local")

	c := exec.Command("script", "-qec", u.bin+" chat 'please echo'", "/dev/null")
	c.Env = u.env
	stdin, err := c.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// Typed ahead: the terminal keeps the line until the prompt reads it.
	if _, err := stdin.Write([]byte("x\no\n")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("hearth chat: %v\n%s", err, out.String())
		}
	case <-time.After(2 * patience):
		_ = c.Process.Kill()
		t.Fatalf("hearth chat never ended:\n%s", out.String())
	}
	text := strings.ReplaceAll(out.String(), "\r\n", "\n")
	for _, want := range []string{
		"→ local.echo({\"text\":\"from the terminal\"})",
		"Allow local.echo({\"text\":\"from the terminal\"})?",
		"The server says this tool only reads.",
		"answer o, c, a or d",
		"allowed once",
		"← ok (",
		"The tool said echo: from the terminal",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
	// The store agrees: the call was approved once.
	chats := ws.request(map[string]any{"type": "list_chats"})
	items, _ := chats["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("chats: %v", chats)
	}
	chat := items[0].(map[string]any)["id"]
	hist := ws.request(map[string]any{"type": "history", "chat_id": chat})
	msgs, _ := hist["items"].([]any)
	tools, _ := msgs[len(msgs)-1].(map[string]any)["tools"].([]any)
	if len(tools) != 1 || tools[0].(map[string]any)["approval"].(map[string]any)["decision"] != "once" {
		t.Errorf("stored tools: %v", tools)
	}
}
