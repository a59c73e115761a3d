package app

import (
	"bufio"
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// hearth chat --temporary starts a chat that lives only while the command
// runs: hearth ls marks it (temporary) meanwhile, and once the command exits
// (at the end of the turn, or after Ctrl-C) it is gone for everyone.
func TestTemporaryChatFromTheCommandLine(t *testing.T) {
	fake := llmtestNew(t)
	fake.On("quick question", llmtest.Script{Steps: []llmtest.Step{{Content: "quick answer"}}})
	fake.On("hold on", heldScript(3, 10*time.Millisecond))
	u := newUserEnv(t, fake)
	sp := u.serve(t)
	watcher := dialUnix(t, sp.line.Socket, "")
	if ev := watcher.request(map[string]any{"type": "new_chat", "title": "kept chat"}); ev["event"] != "attached" {
		t.Fatalf("new_chat: %v", ev)
	}
	// The next temporary chat created (the watcher's own chat_created may
	// come after its reply).
	nextTemporary := func() map[string]any {
		t.Helper()
		for {
			ev, _ := watcher.until("chat_created", patience)
			if ev["chat"].(map[string]any)["temporary"] == true {
				return ev
			}
		}
	}
	ls := func() map[string]string {
		t.Helper()
		out, err := u.cmd("ls").Output()
		if err != nil {
			t.Fatalf("hearth ls: %v %s", err, errOut(err))
		}
		rows := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n")[1:] {
			rows[strings.Fields(l)[0]] = l
		}
		return rows
	}

	// A whole turn: the answer is printed, and the chat was created as a
	// temporary one and deleted as the command left.
	out, err := u.cmd("chat", "--temporary", "quick question").Output()
	if err != nil || !strings.Contains(string(out), "quick answer") {
		t.Fatalf("hearth chat --temporary: %q %v %s", out, err, errOut(err))
	}
	created := nextTemporary()
	id := str(created, "chat_id")
	if !strings.HasPrefix(id, "tmp:") {
		t.Fatalf("hearth chat --temporary created %v", created)
	}
	if del, _ := watcher.until("chat_deleted", patience); str(del, "chat_id") != id {
		t.Fatalf("chat_deleted %v, want %s", del, id)
	}
	if rows := ls(); len(rows) != 1 || rows[id] != "" {
		t.Fatalf("hearth ls after the temporary chat: %v", rows)
	}

	// While a temporary chat's turn runs, hearth ls lists it, marked; Ctrl-C
	// ends the turn and the command, and with it the chat.
	c := u.cmd("chat", "--temporary", "hold on")
	stdout, _ := c.StdoutPipe()
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(stdout).ReadByte(); err != nil {
		t.Fatalf("no answer streamed: %v %s", err, stderr.String())
	}
	id = str(nextTemporary(), "chat_id")
	rows := ls()
	if row := rows[id]; !strings.Contains(row, "(temporary)") {
		t.Errorf("hearth ls while the temporary chat lives: %q (all %v)", row, rows)
	}
	for other, row := range rows {
		if other != id && strings.Contains(row, "(temporary)") {
			t.Errorf("a kept chat marked temporary: %q", row)
		}
	}
	_ = c.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 || !strings.Contains(stderr.String(), "temporary chat ends") {
			t.Fatalf("hearth chat --temporary after Ctrl-C: %v %q", err, stderr.String())
		}
	case <-time.After(patience):
		_ = c.Process.Kill()
		t.Fatal("hearth chat --temporary did not end after Ctrl-C")
	}
	if del, _ := watcher.until("chat_deleted", patience); str(del, "chat_id") != id {
		t.Fatalf("chat_deleted %v, want %s", del, id)
	}
	if rows := ls(); rows[id] != "" {
		t.Fatalf("hearth ls still lists the temporary chat: %v", rows)
	}

	// It cannot join an existing chat.
	for _, bad := range [][]string{{"--temporary", "--continue", "x"}, {"--temporary", "--chat", id, "x"}} {
		out, err := u.cmd(append([]string{"chat"}, bad...)...).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("hearth chat %v: %v %s; want exit 2", bad, err, out)
		}
	}
}
