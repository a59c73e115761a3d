package agentproc

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const patience = 10 * time.Second

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// alive treats a zombie as gone: in a container nothing may reap an
// orphaned grandchild, but it runs no more.
func alive(pid int) bool {
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i > 0 && len(s) > i+2 {
			return s[i+2] != 'Z'
		}
	}
	return syscall.Kill(pid, 0) == nil
}

func pidIn(t *testing.T, path string) int {
	t.Helper()
	var pid int
	waitFor(t, path, func() bool {
		pid, _ = strconv.Atoi(strings.TrimSpace(readFile(path)))
		return pid > 0
	})
	return pid
}

func closeRunner(t *testing.T, r *Runner) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// The agent gets HEARTH_SOCKET and its name in the environment (once each,
// whatever Hearth's own environment held), its output goes to its log
// file, and it is started again each time it exits.
func TestEnvLogAndRestart(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "agents")
	script := `echo "sock=$HEARTH_SOCKET name=$HEARTH_AGENT_NAME home=$HOME count=$(env | grep -c '^HEARTH_SOCKET=')"; echo oops >&2; exit 3`
	r := Start(Options{Socket: "/run/h.sock", LogDir: logs, BackoffBase: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond,
		Env: []string{"HOME=/home/x", "HEARTH_SOCKET=/stale.sock"}},
		[]Agent{{Name: "a/b", Command: []string{"sh", "-c", script}}})
	defer closeRunner(t, r)
	log := filepath.Join(logs, "a_b.log")
	waitFor(t, "three starts", func() bool { return strings.Count(readFile(log), "starting sh -c") >= 3 })
	got := readFile(log)
	for _, want := range []string{"sock=/run/h.sock name=a/b home=/home/x count=1\n", "oops\n", "exit status 3"} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
	if fi, err := os.Stat(log); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("log file mode: %v %v", fi, err)
	}
}

// A program that cannot start is tried again, and the log says why.
func TestMissingProgramRetried(t *testing.T) {
	logs := t.TempDir()
	r := Start(Options{Socket: "/s", LogDir: logs, BackoffBase: 5 * time.Millisecond, BackoffMax: 10 * time.Millisecond},
		[]Agent{{Name: "ghost", Command: []string{filepath.Join(logs, "no-such-agent")}}})
	defer closeRunner(t, r)
	waitFor(t, "two tries", func() bool {
		return strings.Count(readFile(filepath.Join(logs, "ghost.log")), "could not start") >= 2
	})
}

// Close stops the agent and what it started (its process group) with
// SIGTERM, and waits for it.
func TestCloseStopsTheAgentAndItsChildren(t *testing.T) {
	dir := t.TempDir()
	script := `sleep 1000 & echo $! > ` + filepath.Join(dir, "child") + `; echo $$ > ` + filepath.Join(dir, "pid") + `; wait`
	r := Start(Options{Socket: "/s", LogDir: dir}, []Agent{{Name: "sleepy", Command: []string{"sh", "-c", script}}})
	pid, child := pidIn(t, filepath.Join(dir, "pid")), pidIn(t, filepath.Join(dir, "child"))
	if r.PID("sleepy") != pid || !alive(pid) || !alive(child) {
		t.Fatalf("PID %d, want %d; alive %v %v", r.PID("sleepy"), pid, alive(pid), alive(child))
	}
	closeRunner(t, r)
	if alive(pid) {
		t.Error("the agent runs on after Close")
	}
	waitFor(t, "the agent's child to end", func() bool { return !alive(child) })
	if r.PID("sleepy") != 0 {
		t.Error("a PID after Close")
	}
	if got := readFile(filepath.Join(dir, "sleepy.log")); !strings.Contains(got, "stopped\n") {
		t.Errorf("log: %s", got)
	}
}

// An agent that ignores SIGTERM is killed after the grace period.
func TestCloseKillsAnAgentThatIgnoresTERM(t *testing.T) {
	dir := t.TempDir()
	script := `trap '' TERM; echo $$ > ` + filepath.Join(dir, "pid") + `; while :; do sleep 0.05; done`
	r := Start(Options{Socket: "/s", LogDir: dir, StopGrace: 200 * time.Millisecond},
		[]Agent{{Name: "stubborn", Command: []string{"sh", "-c", script}}})
	pid := pidIn(t, filepath.Join(dir, "pid"))
	start := time.Now()
	closeRunner(t, r)
	if alive(pid) {
		t.Error("the agent runs on after Close")
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("killed after %v, before the grace period", d)
	}
	if got := readFile(filepath.Join(dir, "stubborn.log")); !strings.Contains(got, "killed: it did not stop within 200ms of SIGTERM") {
		t.Errorf("log: %s", got)
	}
}
