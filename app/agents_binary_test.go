package app

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// run runs the hearth binary and returns its stdout, stderr and exit code.
func (u *userEnv) run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	c := u.cmd(args...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errb.String(), 0
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitCode()
	}
	t.Fatalf("hearth %v: %v", args, err)
	return "", "", -1
}

// The agents config.toml names: `hearth agents` lists them with their
// state, `hearth chat --agent NAME` starts a chat one of them answers, and
// an agent Hearth started does not outlive it, not even a SIGKILL.
func TestAgentsOnTheCommandLine(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	u := newUserEnv(t, fake)
	pidFile := filepath.Join(u.home, "agent.pid")
	cfg := fmt.Sprintf(`[[agents]]
name = "pong"
description = "answers pong"
command = [%q, "-stay", "-pidfile", %q]

[[agents]]
name = "mute"
description = "never connects"
command = ["sh", "-c", "echo 'mute: no model configured' >&2; exit 2"]
`, testAgentBinary(t), pidFile)
	if err := os.MkdirAll(filepath.Join(u.home, "config", "hearth"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(u.home, "config", "hearth", "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	sp := u.serve(t)
	ws := dialUnix(t, sp.line.Socket, "")
	waitAgentOnline(t, ws, "pong")

	out, errOut, code := u.run(t, "agents")
	if code != 0 {
		t.Fatalf("hearth agents: %d %s", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 3 || !regexpMatch(`^mute\s+offline\s+never connects$`, lines[0]) ||
		!regexpMatch(`^\s+log: .*/state/hearth/agents/mute\.log$`, lines[1]) ||
		!regexpMatch(`^pong\s+online\s+answers pong$`, lines[2]) {
		t.Errorf("hearth agents:\n%s", out)
	}

	out, errOut, code = u.run(t, "chat", "--agent", "pong", "hi", "there")
	if code != 0 || out != "pong: hi there\n" {
		t.Errorf("hearth chat --agent pong: %d %q %q", code, out, errOut)
	}
	chats := ws.request(map[string]any{"type": "list_chats"})
	items, _ := chats["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["agent"] != "pong" {
		t.Errorf("the chat is not pong's: %v", chats)
	}

	// A name no agent has: refused before any chat is made.
	_, errOut, code = u.run(t, "chat", "--agent", "pnog", "hi")
	if code != 1 || !strings.Contains(errOut, `no agent is named "pnog" (the agents: mute, pong)`) {
		t.Errorf("unknown agent: %d %q", code, errOut)
	}
	// An offline one: the turn ends with words naming it.
	_, errOut, code = u.run(t, "chat", "--agent", "mute", "hi")
	if code != 1 || !strings.Contains(errOut, "The agent mute is not connected") {
		t.Errorf("offline agent: %d %q", code, errOut)
	}
	if _, errOut, code = u.run(t, "chat", "--agent", "pong", "--continue", "hi"); code != 2 || !strings.Contains(errOut, "agent") {
		t.Errorf("--agent with --continue: %d %q", code, errOut)
	}
	if n := len(ws.request(map[string]any{"type": "list_chats"})["items"].([]any)); n != 2 {
		t.Errorf("%d chats, want 2 (pong's and mute's)", n)
	}

	// Hearth killed outright: its agent stops too, though it would stay
	// after losing its connection (-stay).
	pid := readPID(t, pidFile)
	if err := sp.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-sp.done
	deadline := time.Now().Add(patience)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			t.Fatal("the agent outlived a killed Hearth")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }
