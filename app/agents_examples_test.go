package app

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The example agents of examples/agents run as a user would run them, as
// processes beside a real Hearth found through HEARTH_SOCKET.

// TestExampleAgentGo builds examples/agents/go and runs it.
func TestExampleAgentGo(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "echo-go")
	if out, err := exec.Command("go", "build", "-o", bin, "../examples/agents/go").CombinedOutput(); err != nil {
		t.Fatalf("go build examples/agents/go: %v\n%s", err, out)
	}
	exerciseExampleAgent(t, "echo-go", bin)
}

// TestExampleAgentPython runs examples/agents/python/agent.py. Without
// python3 and websockets it skips on a developer's machine and fails in CI
// (make deps-test installs python3-websockets).
func TestExampleAgentPython(t *testing.T) {
	exerciseExampleAgent(t, "echo-py", pythonWithWebsockets(t), "../examples/agents/python/agent.py")
}

// TestDocsMinimalAgent runs the minimal agent of docs/agents.md, as it is
// printed there: it answers in capitals and stops when cancelled.
func TestDocsMinimalAgent(t *testing.T) {
	py := pythonWithWebsockets(t)
	doc, err := os.ReadFile("../docs/agents.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(doc), "\n## A minimal agent\n")
	_, code, _ := strings.Cut(rest, "```python\n")
	code, _, found := strings.Cut(code, "```")
	if !found {
		t.Fatal("docs/agents.md has no python block under '## A minimal agent'")
	}
	if n := strings.Count(code, "\n"); n > 40 {
		t.Errorf("the minimal agent is %d lines", n)
	}
	script := filepath.Join(t.TempDir(), "minimal.py")
	if err := os.WriteFile(script, []byte(code), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startHearth(t)
	a := h.dial(t)
	startExampleAgent(t, h, "shouter", py, script)
	waitOnline(t, a, "shouter")
	chat := str(a.request(map[string]any{"type": "new_chat", "agent": "shouter"}), "chat_id")
	a.sendMessage(chat, "hello there")
	evs := a.collectTurn()
	if got := answerOf(evs, "delta"); got != "HELLO THERE " || str(eventsOf(evs, "turn_end")[0], "status") != "done" {
		t.Errorf("answer %q, %v", got, eventsOf(evs, "turn_end"))
	}
	a.sendMessage(chat, strings.Repeat("word ", 200))
	a.expect("delta")
	a.send(map[string]any{"type": "cancel", "chat_id": chat})
	if end := a.expect("turn_end"); str(end, "status") != "cancelled" {
		t.Errorf("cancelled turn %v", end)
	}
	a.sendMessage(chat, "still")
	if got := answerOf(a.collectTurn(), "delta"); got != "STILL " {
		t.Errorf("after the cancel: %q", got)
	}
}

// pythonWithWebsockets finds a python3 that imports websockets: the one on
// PATH, or the system's, where Debian's python3-websockets goes (a PATH
// python3 may be another install, e.g. pyenv's).
func pythonWithWebsockets(t *testing.T) string {
	t.Helper()
	var tried []string
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		py, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if out, err := exec.Command(py, "-c", "import websockets").CombinedOutput(); err != nil {
			tried = append(tried, fmt.Sprintf("%s: %s", py, strings.TrimSpace(string(out))))
			continue
		}
		return py
	}
	msg := fmt.Sprintf("no python3 with websockets (make deps-test installs python3 python3-websockets); tried %q", tried)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// exampleAgent is a running example: its stderr lines as they come, and
// its end.
type exampleAgent struct {
	lines chan string
	done  chan struct{}
	err   error // cmd.Wait's, once done is closed
}

// startExampleAgent starts argv as the agent name on h's socket, slow
// enough (a pause per word) that a cancel lands mid-answer.
func startExampleAgent(t *testing.T, h *testHearth, name string, argv ...string) *exampleAgent {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "HEARTH_SOCKET="+h.Socket, "AGENT_NAME="+name, "AGENT_DELAY_MS=20", "PYTHONUNBUFFERED=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", argv, err)
	}
	p := &exampleAgent{lines: make(chan string, 10000), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Logf("%s: %s", name, sc.Text())
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// logged waits for a line of the agent's stderr containing s.
func (p *exampleAgent) logged(t *testing.T, s string) {
	t.Helper()
	deadline := time.After(patience)
	for {
		select {
		case line := <-p.lines:
			if strings.Contains(line, s) {
				return
			}
		case <-p.done:
			t.Fatalf("the agent exited (%v) before logging %q", p.err, s)
		case <-deadline:
			t.Fatalf("the agent never logged %q", s)
		}
	}
}

// exerciseExampleAgent runs the example argv against a real Hearth: it
// registers, answers word by word, reasons and calls its tool when asked,
// honours cancel, and gives up on a name already taken.
func exerciseExampleAgent(t *testing.T, name string, argv ...string) {
	h := startHearth(t)
	a := h.dial(t)
	ag := startExampleAgent(t, h, name, argv...)
	waitOnline(t, a, name)
	list := a.request(map[string]any{"type": "list_agents"})
	items, _ := list["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["name"] != name || items[0].(map[string]any)["online"] != true ||
		items[0].(map[string]any)["description"] == "" {
		t.Fatalf("agents %v", list)
	}
	ev := a.request(map[string]any{"type": "new_chat", "agent": name})
	chat := str(ev, "chat_id")
	if c, _ := ev["chat"].(map[string]any); c["agent"] != name {
		t.Fatalf("new_chat %v", ev)
	}

	// A plain answer, streamed a word per delta.
	a.sendMessage(chat, "hello there, agent")
	evs := a.collectTurn()
	want := "You said: hello there, agent"
	if got := answerOf(evs, "delta"); got != want || len(eventsOf(evs, "delta")) != 5 {
		t.Errorf("answer %q in %d deltas, want %q in 5", got, len(eventsOf(evs, "delta")), want)
	}
	if se := eventsOf(evs, "stream_end"); len(se) != 1 || str(se[0], "text") != want {
		t.Errorf("stream_end %v", se)
	}
	if end := eventsOf(evs, "turn_end")[0]; str(end, "status") != "done" {
		t.Errorf("turn_end %v", end)
	}

	// "think" and "tool": reasoning, then the tool's card, then the answer.
	msg := "think about this, tool"
	a.sendMessage(chat, msg)
	evs = a.collectTurn()
	var order []string
	for _, e := range evs {
		switch k := str(e, "event"); k {
		case "reasoning_end", "tool_call", "tool_result", "stream_end", "turn_end":
			order = append(order, k)
		case "reasoning_delta", "delta":
			if len(order) == 0 || order[len(order)-1] != k {
				order = append(order, k)
			}
		}
	}
	if got := strings.Join(order, " "); got != "reasoning_delta reasoning_end tool_call tool_result delta stream_end turn_end" {
		t.Errorf("events %q", got)
	}
	if answerOf(evs, "reasoning_delta") == "" || answerOf(evs, "delta") != "You said: "+msg {
		t.Errorf("reasoning %q, answer %q", answerOf(evs, "reasoning_delta"), answerOf(evs, "delta"))
	}
	if tc := eventsOf(evs, "tool_call"); len(tc) != 1 || str(tc[0], "name") != "word_count" || str(tc[0], "server") != name ||
		fmt.Sprint(tc[0]["arguments"]) != fmt.Sprint(map[string]any{"text": msg}) {
		t.Errorf("tool_call %v", tc)
	}
	if tr := eventsOf(evs, "tool_result"); len(tr) != 1 || str(tr[0], "status") != "ok" || str(tr[0], "content") != "4 words" ||
		str(tr[0], "call_id") != str(eventsOf(evs, "tool_call")[0], "call_id") {
		t.Errorf("tool_result %v", tr)
	}

	// Cancel mid-answer: the agent stops at once (it says so) and the turn
	// ends cancelled with part of the answer.
	long := strings.TrimSpace(strings.Repeat("word ", 300))
	a.sendMessage(chat, long)
	first, seen := a.until("delta", patience)
	turn := str(eventsOf(seen, "turn_start")[0], "turn_id")
	a.send(map[string]any{"type": "cancel", "chat_id": chat})
	ag.logged(t, "turn "+turn+" cancelled")
	evs = append([]map[string]any{first}, a.collectTurn()...)
	if end := eventsOf(evs, "turn_end")[0]; str(end, "status") != "cancelled" {
		t.Errorf("cancelled turn_end %v", end)
	}
	if got, full := answerOf(evs, "delta"), "You said: "+long; got == "" || len(got) >= len(full) || !strings.HasPrefix(full, got) {
		t.Errorf("cancelled answer %q", got)
	}

	// The agent answers on after a cancel.
	a.sendMessage(chat, "still there?")
	if got := answerOf(a.collectTurn(), "delta"); got != "You said: still there?" {
		t.Errorf("after the cancel: %q", got)
	}

	// A second copy under the same name is refused and exits.
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	dup := exec.CommandContext(ctx, argv[0], argv[1:]...)
	dup.Env = append(os.Environ(), "HEARTH_SOCKET="+h.Socket, "AGENT_NAME="+name)
	out, err := dup.CombinedOutput()
	if err == nil || ctx.Err() != nil || !strings.Contains(string(out), "name_taken") {
		t.Errorf("a second %s: %v %s", name, err, out)
	}
}
