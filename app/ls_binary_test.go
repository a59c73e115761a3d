package app

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// hearth ls pages through the server's list: by default one page of 500
// with a word on stderr that more exist, --limit N any number (across pages),
// --all every chat.
func TestLsListsEveryChatWithAllAndLimit(t *testing.T) {
	fake := llmtestNew(t)
	u := newUserEnv(t, fake)
	sp := u.serve(t)
	ws := dialUnix(t, sp.line.Socket, "")
	const total = 503
	for i := range total {
		ev := ws.request(map[string]any{"type": "new_chat", "title": fmt.Sprintf("chat %03d", i)})
		if ev["event"] != "attached" {
			t.Fatalf("new_chat %d: %v", i, ev)
		}
	}
	ls := func(args ...string) (rows []string, stderr string) {
		t.Helper()
		c := u.cmd(append([]string{"ls"}, args...)...)
		var errb bytes.Buffer
		c.Stderr = &errb
		out, err := c.Output()
		if err != nil {
			t.Fatalf("hearth ls %v: %v %s", args, err, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if !strings.HasPrefix(lines[0], "ID") {
			t.Fatalf("hearth ls %v: no header: %q", args, lines[0])
		}
		return lines[1:], errb.String()
	}
	distinct := func(rows []string) int {
		seen := map[string]bool{}
		for _, r := range rows {
			seen[strings.Fields(r)[0]] = true
		}
		return len(seen)
	}

	rows, stderr := ls()
	if len(rows) != 500 || !strings.Contains(stderr, "hearth ls --all") {
		t.Errorf("hearth ls: %d rows, stderr %q; want 500 and a word that more exist", len(rows), stderr)
	}
	rows, stderr = ls("--all")
	if len(rows) != total || distinct(rows) != total || stderr != "" {
		t.Errorf("hearth ls --all: %d rows (%d distinct), stderr %q; want %d", len(rows), distinct(rows), stderr, total)
	}
	rows, stderr = ls("--limit", "7")
	if len(rows) != 7 || !strings.Contains(stderr, "--all") {
		t.Errorf("hearth ls --limit 7: %d rows, stderr %q", len(rows), stderr)
	}
	rows, stderr = ls("--limit", "502")
	if len(rows) != 502 || distinct(rows) != 502 || !strings.Contains(stderr, "--all") {
		t.Errorf("hearth ls --limit 502: %d rows (%d distinct), stderr %q", len(rows), distinct(rows), stderr)
	}
	rows, stderr = ls("--limit", "1000")
	if len(rows) != total || stderr != "" {
		t.Errorf("hearth ls --limit 1000: %d rows, stderr %q; want all %d and no word of more", len(rows), stderr, total)
	}
	for _, bad := range [][]string{{"--all", "--limit", "3"}, {"--limit", "0"}} {
		out, err := u.cmd(append([]string{"ls"}, bad...)...).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("hearth ls %v: %v %s; want exit 2", bad, err, out)
		}
	}
}
