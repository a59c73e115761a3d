package app

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// `hearth pull NAME` as a user runs it: progress lines with bytes, speed and
// time left, "downloaded NAME" at the end; Ctrl-C cancels the download on
// the model server and exits 130.
func TestCLIPull(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	fake.SetPull(func(name string) llmtest.PullScript {
		if name == "slow-model" {
			return llmtest.PullScript{Layers: []int64{4 << 30}, Steps: 100000, Delay: 5 * time.Millisecond}
		}
		return llmtest.PullScript{Layers: []int64{2019377376, 1 << 10}, Steps: 200, Delay: 5 * time.Millisecond}
	})
	u := newUserEnv(t, fake)
	u.env = append(u.env, "HEARTH_PROVIDER=ollama", "HEARTH_PROVIDER_URL="+fake.URL)
	u.serve(t)

	c := u.cmd("pull", "qwen3:8b")
	var stderr strings.Builder
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil || strings.TrimSpace(string(out)) != "downloaded qwen3:8b" {
		t.Fatalf("hearth pull: %q %v %s", out, err, stderr.String())
	}
	progress := regexp.MustCompile(`qwen3:8b: pulling [0-9a-f]{12}  [\d.]+ [kMG]?B / 2\.0 GB  \d+%  [\d.]+ [kMG]?B/s  \d+[hms]`)
	if !progress.MatchString(stderr.String()) {
		t.Fatalf("no progress line with bytes, speed and time left:\n%s", stderr.String())
	}
	if models, err := u.cmd("models").Output(); err != nil || !strings.Contains(string(models), "qwen3:8b") {
		t.Fatalf("hearth models after the pull: %q %v", models, err)
	}

	// Ctrl-C once bytes flow.
	c = u.cmd("pull", "slow-model")
	errPipe, _ := c.StderrPipe()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var seen []string
	sc := bufio.NewScanner(errPipe)
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.Contains(sc.Text(), "B/s") {
			break
		}
	}
	_ = c.Process.Signal(syscall.SIGINT)
	rest := make(chan string)
	go func() {
		var b strings.Builder
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
		}
		rest <- b.String()
	}()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		msg := <-rest
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 || !strings.Contains(msg, "cancelled") {
			t.Fatalf("pull after Ctrl-C: %v %q (before: %q)", err, msg, seen)
		}
	case <-time.After(patience):
		_ = c.Process.Kill()
		t.Fatal("pull did not end after Ctrl-C")
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := fake.WaitCancelled(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if p := fake.Pulls(); len(p) != 2 || p[1].Name != "slow-model" || !p[1].Cancelled {
		t.Fatalf("the model server saw %+v", p)
	}
}
