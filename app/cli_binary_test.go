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

func TestCLIModelsAttachAndCtrlC(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	u := newUserEnv(t, fake)
	u.serve(t)

	out, err := u.cmd("models").Output()
	if err != nil || !strings.Contains(string(out), llmtest.ModelChat) || !strings.Contains(string(out), llmtest.ModelR1) {
		t.Fatalf("hearth models: %q %v %s", out, err, errOut(err))
	}

	// Ctrl-C during a turn cancels it, keeps the partial answer, exits 130.
	fake.On("slowly", slowScript(300, 30*time.Millisecond))
	c := u.cmd("chat", "slowly please")
	stdout, _ := c.StdoutPipe()
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(stdout)
	first := make([]byte, 6)
	if _, err := rd.Read(first); err != nil {
		t.Fatalf("no answer streamed: %v %s", err, stderr.String())
	}
	_ = c.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 || !strings.Contains(stderr.String(), "cancelled") {
			t.Fatalf("chat after Ctrl-C: %v %q", err, stderr.String())
		}
	case <-time.After(patience):
		_ = c.Process.Kill()
		t.Fatal("chat did not end after Ctrl-C")
	}

	// attach prints the history, including the cancelled partial answer.
	ls, err := u.cmd("ls").Output()
	if err != nil {
		t.Fatal(err)
	}
	var chatID string
	for _, line := range strings.Split(string(ls), "\n") {
		if strings.Contains(line, "slowly please") {
			chatID = strings.Fields(line)[0]
		}
	}
	if chatID == "" {
		t.Fatalf("chat not listed: %s", ls)
	}
	a := u.cmd("attach", chatID)
	aout, _ := a.StdoutPipe()
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(aout)
	var got []string
	deadline := time.After(patience)
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
loop:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				break loop
			}
			got = append(got, l)
			if strings.Contains(l, "[cancelled") {
				break loop
			}
		case <-deadline:
			break loop
		}
	}
	_ = a.Process.Signal(syscall.SIGINT)
	_ = a.Wait()
	text := strings.Join(got, "\n")
	if !strings.Contains(text, "slowly please") || !strings.Contains(text, "wa ") || !strings.Contains(text, "[cancelled") {
		t.Fatalf("attach printed:\n%s", text)
	}
}
