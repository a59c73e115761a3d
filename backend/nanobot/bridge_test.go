package nanobot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/nanobot/nanobottest"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/turns"
)

// fakeEngine is the engine as an agent sees it: it records the bridge's
// registration and frames, and can send it turn requests.
type fakeEngine struct {
	mu     sync.Mutex
	sink   turns.Sink
	online chan bool
	frames chan protocol.AgentFrame
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{online: make(chan bool, 10), frames: make(chan protocol.AgentFrame, 100)}
}

func (e *fakeEngine) RegisterAgent(s turns.Sink, name, _ string) error {
	e.mu.Lock()
	e.sink = s
	e.mu.Unlock()
	e.online <- true
	return nil
}

func (e *fakeEngine) AgentFrame(_ context.Context, s turns.Sink, f protocol.AgentFrame) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s != e.sink {
		return errors.New("not this connection's turn")
	}
	e.frames <- f
	return nil
}

func (e *fakeEngine) DetachAll(s turns.Sink) {
	e.mu.Lock()
	was := s == e.sink
	if was {
		e.sink = nil
	}
	e.mu.Unlock()
	if was {
		e.online <- false
	}
}

func (e *fakeEngine) KnowAgent(string, string) {}

func (e *fakeEngine) send(t *testing.T, ev protocol.Event) {
	t.Helper()
	e.mu.Lock()
	s := e.sink
	e.mu.Unlock()
	if s == nil {
		t.Fatal("the bridge is not registered")
	}
	s.Send(protocol.Encode(ev))
}

func (e *fakeEngine) waitOnline(t *testing.T, want bool) {
	t.Helper()
	select {
	case got := <-e.online:
		if got != want {
			t.Fatalf("online %v, want %v", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("never online=%v", want)
	}
}

// logLines collects what the bridge logs.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.lines = append(l.lines, string(p))
	l.mu.Unlock()
	return len(p), nil
}

func (l *logLines) matching(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, x := range l.lines {
		if strings.Contains(x, s) {
			out = append(out, x)
		}
	}
	return out
}

func (l *logLines) waitFor(t *testing.T, s string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := l.matching(s); len(m) >= n {
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("fewer than %d log lines with %q: %v", n, s, l.matching(""))
	return nil
}

func start(t *testing.T, e Engine, url, token string, logs *logLines) *Bridge {
	t.Helper()
	b, err := Start(Options{Name: "nano", URL: url, Token: token, Engine: e, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// An unreachable gateway is reported with the wait before the next try,
// which doubles up to the maximum; the token is never logged.
func TestUnreachableIsReportedWithBackoff(t *testing.T) {
	gw := nanobottest.New(t, "s3cret")
	logs := &logLines{}
	e := newFakeEngine()
	start(t, e, gw.URL(), "s3cret", logs)
	lines := logs.waitFor(t, "is unreachable", 5)
	for i, want := range []string{"10ms", "20ms", "40ms", "40ms"} {
		if !strings.Contains(lines[i], fmt.Sprintf("nanobot at %s is unreachable: ", gw.URL())) || !strings.Contains(lines[i], "; retrying in "+want) {
			t.Errorf("line %d: %s", i, lines[i])
		}
	}
	if m := logs.matching("s3cret"); len(m) > 0 {
		t.Errorf("the token is logged: %v", m)
	}
	gw.Start()
	e.waitOnline(t, true)
}

// A wrong token: nanobot refuses the handshake, and the log says to check
// the token.
func TestWrongTokenIsReported(t *testing.T) {
	gw := nanobottest.New(t, "right")
	gw.Start()
	logs := &logLines{}
	start(t, newFakeEngine(), gw.URL(), "wrong", logs)
	logs.waitFor(t, "refused the connection (401 Unauthorized): check the token", 1)
}

// An error event that names no chat ends the turn whose message nanobot
// read last, with nanobot's words.
func TestErrorEventEndsTheTurn(t *testing.T) {
	gw := nanobottest.New(t, "")
	gw.Start()
	e := newFakeEngine()
	start(t, e, gw.URL(), "", &logLines{})
	e.waitOnline(t, true)
	e.send(t, protocol.TurnRequest("c1", "t1", []protocol.TurnMessage{{Role: "user", Content: "refuse"}}, "", ""))
	select {
	case f := <-e.frames:
		if f.Kind != protocol.AgentTurnEnd || f.TurnID != "t1" || f.Status != protocol.StatusError ||
			f.Error != "nanobot refused the message: workspace_scope_rejected (outside the workspace)" {
			t.Errorf("frame %+v", f)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the turn did not end")
	}
}

func TestArgumentsAndResults(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":1}`:         `{"a":1}`,
		`"{\"a\": 1}"`:    `{"a": 1}`,
		`"ls -la"`:        `{"arguments":"ls -la"}`,
		`[1,2]`:           `{"arguments":[1,2]}`,
		`null`:            ``,
		`not json at all`: ``,
	} {
		if got := string(argsObject(json.RawMessage(in))); got != want {
			t.Errorf("argsObject(%s) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{`"3 matches"`: "3 matches", `{"n":3}`: `{"n":3}`, `null`: ""} {
		if got := jsonText(json.RawMessage(in)); got != want {
			t.Errorf("jsonText(%s) = %q, want %q", in, got, want)
		}
	}
	if _, shown, err := gatewayURL("ws://h:1/ws?token=abc", ""); err != nil || shown != "ws://h:1/ws" {
		t.Errorf("shown %q %v", shown, err)
	}
	if dial, _, _ := gatewayURL("ws://h:1", "tok"); dial != "ws://h:1/?client_id=hearth&token=tok" {
		t.Errorf("dial %q", dial)
	}
	if _, _, err := gatewayURL("ftp://h/", ""); err == nil {
		t.Error("ftp:// accepted")
	}
}
