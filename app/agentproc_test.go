package app

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

var testAgentBin struct {
	sync.Once
	path string
	err  error
}

// testAgentBinary builds backend/agentproc/internal/testagent once: an
// agent that answers "pong: " and the last message, and exits on "crash".
func testAgentBinary(t *testing.T) string {
	t.Helper()
	testAgentBin.Do(func() {
		dir, err := os.MkdirTemp("", "hearth-agent")
		if err != nil {
			testAgentBin.err = err
			return
		}
		testAgentBin.path = filepath.Join(dir, "testagent")
		if out, err := exec.Command("go", "build", "-o", testAgentBin.path, "../backend/agentproc/internal/testagent").CombinedOutput(); err != nil {
			testAgentBin.err = errors.New(string(out))
		}
	})
	if testAgentBin.err != nil {
		t.Fatalf("build the test agent: %v", testAgentBin.err)
	}
	return testAgentBin.path
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// processGone: no such process, or a zombie nothing reaped (it runs no more).
func processGone(pid int) bool {
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i > 0 && len(s) > i+2 {
			return s[i+2] == 'Z'
		}
	}
	return syscall.Kill(pid, 0) != nil
}

// waitAgentOnline asks list_agents until name is online (it may have come
// online before this connection, so agent_online alone could be missed).
func waitAgentOnline(t *testing.T, c *wsc, name string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		for _, it := range agentItems(c) {
			if it["name"] == name && it["online"] == true {
				return it
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("agent %s never came online", name)
	return nil
}

func agentItems(c *wsc) []map[string]any {
	ev := c.request(map[string]any{"type": "list_agents"})
	raw, _ := ev["items"].([]any)
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

// An agent config.toml names with a command is started by Hearth, with
// HEARTH_SOCKET, and answers the chats bound to it; when it crashes it is
// started again and answers again; when Hearth stops, so does it. Agents
// that are not connected are listed as offline from the start.
func TestHearthStartsConfiguredAgents(t *testing.T) {
	fake := llmtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake)
	pidFile := filepath.Join(filepath.Dir(cfg.Socket), "agent.pid")
	cfg.StateDir = filepath.Join(filepath.Dir(cfg.DataDir), "state")
	cfg.Agents = []config.AgentConfig{
		{Name: "pong", Description: "answers pong", Command: []string{testAgentBinary(t), "-pidfile", pidFile}},
		// A program that never connects, and a nanobot nobody runs.
		{Name: "mute", Description: "never says a word", Command: []string{"sleep", "1000"}},
		{Name: "nano", Description: "a nanobot", NanobotURL: "ws://127.0.0.1:1/"},
	}
	h := startWith(t, cfg, fake)
	c := h.dial(t)
	items := agentItems(c)
	byName := map[string]map[string]any{}
	for _, it := range items {
		byName[str(it, "name")] = it
	}
	for name, desc := range map[string]string{"mute": "never says a word", "nano": "a nanobot", "pong": "answers pong"} {
		if it := byName[name]; it == nil || it["description"] != desc {
			t.Errorf("list_agents lacks %s (%q): %v", name, desc, items)
		}
	}
	if byName["mute"]["online"] != false || byName["nano"]["online"] != false {
		t.Errorf("agents not connected listed online: %v", items)
	}
	waitAgentOnline(t, c, "pong")
	first := readPID(t, pidFile)

	chat := str(c.request(map[string]any{"type": "new_chat", "agent": "pong"}), "chat_id")
	c.sendMessage(chat, "hi there")
	evs := c.collectTurn()
	if got := answerOf(evs, "delta"); got != "pong: hi there" {
		t.Errorf("answer %q (%v)", got, names(evs))
	}
	if end := eventsOf(evs, "turn_end"); len(end) != 1 || str(end[0], "status") != "done" {
		t.Errorf("turn_end %v", end)
	}

	// It crashes mid-turn: the turn ends, the agent goes offline, and
	// Hearth starts it again.
	c.sendMessage(chat, "please crash")
	var ended, offline, online bool
	deadline := time.Now().Add(patience)
	for !(ended && offline && online) && time.Now().Before(deadline) {
		ev := c.next(time.Until(deadline))
		switch {
		case ev["event"] == "turn_end":
			ended = true
			if str(ev, "status") == "done" {
				t.Errorf("the crashed turn ended done: %v", ev)
			}
		case ev["event"] == "agent_offline" && ev["name"] == "pong":
			offline = true
		case ev["event"] == "agent_online" && ev["name"] == "pong" && offline:
			online = true
		}
	}
	if !(ended && offline && online) {
		t.Fatalf("after the crash: turn ended %v, offline %v, online again %v", ended, offline, online)
	}
	second := readPID(t, pidFile)
	if second == first || !processGone(first) {
		t.Errorf("restarted as pid %d (was %d, gone %v)", second, first, processGone(first))
	}
	c.sendMessage(chat, "still there?")
	if got := answerOf(c.collectTurn(), "delta"); got != "pong: still there?" {
		t.Errorf("answer after the restart %q", got)
	}
	log, _ := os.ReadFile(filepath.Join(cfg.AgentLogDir(), "pong.log"))
	if !strings.Contains(string(log), "crashing as asked") || strings.Count(string(log), "starting ") < 2 {
		t.Errorf("agent log:\n%s", log)
	}
	if h.AgentPID("pong") != second {
		t.Errorf("AgentPID %d, want %d", h.AgentPID("pong"), second)
	}
	mute := h.AgentPID("mute")

	h.stop(t)
	if !processGone(second) || mute == 0 || !processGone(mute) {
		t.Errorf("agents run on after shutdown: pong %v, mute %d %v", processGone(second), mute, processGone(mute))
	}
}
