package app

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// These tests run the real binary, as a user would.

var buildOnce struct {
	sync.Once
	path string
	err  error
}

func hearthBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hearth-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "hearth")
		cmd := exec.Command("go", "build", "-tags", "nodesktop", "-o", buildOnce.path, "..")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildOnce.err = errors.New(string(out))
		}
	})
	if buildOnce.err != nil {
		t.Fatalf("build: %v", buildOnce.err)
	}
	return buildOnce.path
}

type userEnv struct {
	bin  string
	home string
	env  []string
}

func newUserEnv(t *testing.T, fake *llmtest.Server) *userEnv {
	t.Helper()
	home, err := os.MkdirTemp("", "hu")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	run := filepath.Join(home, "run")
	if err := os.MkdirAll(run, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"),
		"XDG_RUNTIME_DIR=" + run, "XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"HEARTH_PROVIDER_URL=" + fake.URL + "/v1", "HEARTH_MODEL=fake-model"}
	return &userEnv{bin: hearthBinary(t), home: home, env: env}
}

func (u *userEnv) cmd(args ...string) *exec.Cmd {
	c := exec.Command(u.bin, args...)
	c.Env = u.env
	return c
}

type listening struct {
	Event, URL, WS, Socket, Token, UI string
}

type serveProc struct {
	cmd    *exec.Cmd
	line   listening
	stderr *bytes.Buffer
	done   chan error
}

func (u *userEnv) serve(t *testing.T) *serveProc {
	t.Helper()
	c := u.cmd("serve")
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: c, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	c.Stderr = p.stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- c.Wait() }()
	t.Cleanup(func() { _ = c.Process.Kill() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case l := <-lines:
		if err := json.Unmarshal([]byte(l), &p.line); err != nil {
			t.Fatalf("listening line %q: %v", l, err)
		}
	case <-time.After(patience):
		t.Fatalf("no listening line; stderr: %s", p.stderr)
	}
	return p
}

func TestServeBinaryAsANewUserWould(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	u := newUserEnv(t, fake)
	p := u.serve(t)
	l := p.line
	if l.Event != "listening" || !strings.HasPrefix(l.URL, "http://127.0.0.1:") || !strings.HasPrefix(l.WS, "ws://127.0.0.1:") ||
		!filepath.IsAbs(l.Socket) || len(l.Token) < 32 || l.UI != l.URL+"#token="+l.Token {
		t.Fatalf("listening line %+v", l)
	}
	resp, err := http.Get(l.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<html") {
		t.Fatalf("UI: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get(l.URL + "api/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("/api/status without token: %d", resp.StatusCode)
	}
	ep, err := os.ReadFile(filepath.Join(u.home, "run", "hearth", "endpoint.json"))
	if err != nil || !strings.Contains(string(ep), l.Token) {
		t.Fatalf("endpoint.json: %s %v", ep, err)
	}

	out, err := u.cmd("chat", "hi").Output()
	if err != nil {
		t.Fatalf("hearth chat: %v %s", err, errOut(err))
	}
	if strings.TrimSpace(string(out)) != "Hello from llmtest." {
		t.Fatalf("hearth chat printed %q", out)
	}
	// One chat of one exchange (its title is the first words, or the
	// model's once the automatic title comes).
	out, err = u.cmd("ls").Output()
	rows := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err != nil || len(rows) != 2 || !strings.HasSuffix(strings.TrimSpace(rows[1]), " 2") {
		t.Fatalf("hearth ls: %s %v", out, err)
	}
	// A failing provider: non-zero exit and the provider's message.
	fake.On("explode", llmtest.Script{Fail: llmtest.FailServer})
	c := u.cmd("chat", "explode")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Run(); err == nil || !strings.Contains(stderr.String(), "hearth:") {
		t.Fatalf("chat against a failing provider: %v %q", err, stderr.String())
	}

	// A second server on the same data dir is refused, and leaves the first alone.
	second := u.cmd("serve")
	var secondErr bytes.Buffer
	second.Stderr = &secondErr
	if err := second.Run(); err == nil || !strings.Contains(secondErr.String(), "already running") {
		t.Fatalf("second serve: %v %s", err, secondErr.String())
	}
	if _, err := os.Stat(l.Socket); err != nil {
		t.Fatalf("second serve removed the first's socket: %v", err)
	}

	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("serve exited with %v; stderr: %s", err, p.stderr)
		}
	case <-time.After(patience):
		t.Fatal("serve did not stop on SIGTERM")
	}
	for _, f := range []string{l.Socket, filepath.Join(u.home, "run", "hearth", "endpoint.json"), filepath.Join(u.home, "data", "hearth", "hearth.lock")} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s left behind after shutdown: %v", f, err)
		}
	}
	// With nothing running, clients say so clearly.
	c = u.cmd("ls")
	stderr.Reset()
	c.Stderr = &stderr
	if err := c.Run(); err == nil || !strings.Contains(stderr.String(), "not running") {
		t.Fatalf("ls with no server: %v %q", err, stderr.String())
	}
}

func errOut(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return ""
}

// A server killed mid-turn loses at most the last checkpoint interval, marks the
// turn interrupted on restart, and never reuses a seq a client has seen.
func TestKillMidTurnThenResume(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	fake.SetDefault(heldScript(200, 30*time.Millisecond)) // still running when killed
	u := newUserEnv(t, fake)
	p := u.serve(t)
	c := dialUnix(t, p.line.Socket, "")
	chat := c.newChat()
	c.request(map[string]any{"type": "message", "chat_id": chat, "content": "go"})
	var seen []map[string]any
	for len(chatEvents(seen)) < 15 {
		seen = append(seen, c.next(5*time.Second))
	}
	// Past a checkpoint: wait until the database holds the first words of the
	// answer, as a crash would find it, rather than for some time.
	waitCheckpoint(t, filepath.Join(u.home, "data", "hearth", "hearth.db"), len("wa wb wc "))
	var lastSeen int64
	for len(c.events) > 0 {
		seen = append(seen, <-c.events)
	}
	for _, e := range seen {
		lastSeen = max(lastSeen, seqOf(e))
	}
	_ = p.cmd.Process.Kill()
	<-p.done

	p2 := u.serve(t)
	c2 := dialUnix(t, p2.line.Socket, "")
	c2.send(map[string]any{"type": "attach", "chat_id": chat, "since": lastSeen})
	att, replay := c2.until("attached", 5*time.Second)
	if att["status"] != "idle" || len(replay) != 3 {
		t.Fatalf("after restart: attached %v, replay %v", att, names(replay))
	}
	se, te := replay[0], replay[1]
	if se["event"] != "stream_end" || te["event"] != "turn_end" || te["status"] != "interrupted" {
		t.Fatalf("replay %v", replay)
	}
	if seqOf(se) <= lastSeen || seqOf(te) <= seqOf(se) {
		t.Fatalf("seqs reused: last seen %d, stream_end %d, turn_end %d", lastSeen, seqOf(se), seqOf(te))
	}
	text := str(se, "text")
	if !strings.HasPrefix(answerOfScript(200), text) || len(text) < len("wa wb wc ") {
		t.Fatalf("kept text %q is not a real prefix of the answer", text)
	}
	acc := c2.request(map[string]any{"type": "message", "chat_id": chat, "content": "again"})
	if seqOf(acc) <= seqOf(te) {
		t.Fatalf("new message seq %d not above %d", seqOf(acc), seqOf(te))
	}
}

// waitCheckpoint waits until the answer streaming in the database at path has
// at least n characters checkpointed (the row's text and, since schema v3, its
// appended parts), reading it read-only beside the running server.
func waitCheckpoint(t *testing.T, path string, n int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(patience)
	for {
		var got int
		err := db.QueryRow(`SELECT length(m.content) + coalesce((SELECT sum(length(p.content)) FROM message_parts p WHERE p.message_id = m.id), 0)
			FROM messages m WHERE m.status = 'streaming'`).Scan(&got)
		if err == nil && got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of %d characters within %v (last: %d, %v)", n, patience, got, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
