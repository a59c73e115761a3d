package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hearth-app/hearth/app/assembly"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// patience is the safety net of every wait in these tests: waits are for
// events, and this only bounds how long a test hangs when an event never
// comes. It is generous so that a machine whose cores are all busy (make test
// beside a CPU hog, -race) is slow, never failing; an explicit shorter
// timeout in a test is raised to it.
const patience = 90 * time.Second

// testHearth is a real backend on real sockets in a temp dir.
type testHearth struct {
	*assembly.Backend
	cfg  config.Config
	fake *llmtest.Server
}

func testConfig(t *testing.T, fake *llmtest.Server) config.Config {
	t.Helper()
	// Unix socket paths are limited to ~107 bytes; t.TempDir() can be longer.
	dir, err := os.MkdirTemp("", "ht")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return config.Config{
		DataDir: filepath.Join(dir, "data"), Socket: filepath.Join(dir, "run", "h.sock"),
		Listen: "127.0.0.1:0", Provider: "openai", ProviderURL: fake.URL + "/v1", Model: "fake-model",
		RuntimeDir: filepath.Join(dir, "run"), ConfigFile: filepath.Join(dir, "config.toml"), LogLevel: "debug",
		Media: config.MediaLimits{MaxImages: 4, MaxImageBytes: 8 << 20, MaxVideos: 1, MaxVideoBytes: 20 << 20,
			MaxDocuments: 4, MaxDocumentBytes: 16 << 20},
		WSReadLimit: 1 << 20,
	}
}

func startWith(t *testing.T, cfg config.Config, fake *llmtest.Server) *testHearth {
	t.Helper()
	return startWithOptions(t, cfg, fake, assembly.Options{})
}

func startWithOptions(t *testing.T, cfg config.Config, fake *llmtest.Server, opts assembly.Options) *testHearth {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b, err := assembly.Start(context.Background(), cfg, nil, log, opts)
	if err != nil {
		t.Fatalf("start backend: %v", err)
	}
	h := &testHearth{Backend: b, cfg: cfg, fake: fake}
	t.Cleanup(func() { h.stop(t) })
	return h
}

func startHearth(t *testing.T) *testHearth {
	t.Helper()
	fake := llmtest.New()
	t.Cleanup(fake.Close)
	return startWith(t, testConfig(t, fake), fake)
}

func (h *testHearth) stop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// wsc is a raw test client: no dedup, no reconnect, so the tests see exactly
// what the server sends.
type wsc struct {
	t      *testing.T
	ws     *websocket.Conn
	events chan map[string]any
	closed chan error
	ready  map[string]any
}

func dialUnix(t *testing.T, sock, query string) *wsc {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://hearth/ws"+query, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatalf("dial unix: %v", err)
	}
	return newWSC(t, ws)
}

func (h *testHearth) dial(t *testing.T) *wsc { return dialUnix(t, h.Socket, "") }

func newWSC(t *testing.T, ws *websocket.Conn) *wsc {
	ws.SetReadLimit(64 << 20)
	c := &wsc{t: t, ws: ws, events: make(chan map[string]any, 10000), closed: make(chan error, 1)}
	go func() {
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				c.closed <- err
				close(c.events)
				return
			}
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				c.closed <- fmt.Errorf("bad frame %q: %w", data, err)
				close(c.events)
				return
			}
			c.events <- m
		}
	}()
	c.ready = c.expect("ready")
	t.Cleanup(func() { _ = ws.CloseNow() })
	return c
}

func (c *wsc) send(frame any) {
	c.t.Helper()
	b, err := json.Marshal(frame)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(websocket.MessageText, b)
}

func (c *wsc) sendRaw(typ websocket.MessageType, b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := c.ws.Write(ctx, typ, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// next returns the next event or fails after timeout (at least patience).
func (c *wsc) next(timeout time.Duration) map[string]any {
	c.t.Helper()
	timeout = max(timeout, patience)
	select {
	case ev, ok := <-c.events:
		if !ok {
			c.t.Fatalf("connection closed: %v", <-c.closed)
		}
		return ev
	case <-time.After(timeout):
		c.t.Fatalf("no event within %v", timeout)
	}
	return nil
}

// expect skips to the next event named name, returning the skipped ones too.
func (c *wsc) expect(name string) map[string]any {
	c.t.Helper()
	ev, _ := c.until(name, 10*time.Second)
	return ev
}

func (c *wsc) until(name string, timeout time.Duration) (map[string]any, []map[string]any) {
	c.t.Helper()
	timeout = max(timeout, patience)
	deadline := time.Now().Add(timeout)
	var seen []map[string]any
	for {
		left := time.Until(deadline)
		if left <= 0 {
			c.t.Fatalf("no %s within %v; saw %v", name, timeout, names(seen))
		}
		ev := c.next(left)
		seen = append(seen, ev)
		if ev["event"] == name {
			return ev, seen
		}
	}
}

// request sends a frame with a req_id and returns the reply carrying it.
func (c *wsc) request(frame map[string]any) map[string]any {
	c.t.Helper()
	id := fmt.Sprintf("q%d", time.Now().UnixNano())
	frame["req_id"] = id
	c.send(frame)
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		ev := c.next(time.Until(deadline))
		if ev["req_id"] == id {
			return ev
		}
	}
	c.t.Fatalf("no reply to %v", frame)
	return nil
}

func names(evs []map[string]any) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = fmt.Sprint(e["event"])
		if r, ok := e["reason"]; ok {
			out[i] += "(" + fmt.Sprint(r) + ")"
		}
	}
	return out
}

func seqOf(ev map[string]any) int64 {
	f, _ := ev["seq"].(float64)
	return int64(f)
}

func str(ev map[string]any, k string) string {
	s, _ := ev[k].(string)
	return s
}

// newChat creates a chat through c and returns its id.
func (c *wsc) newChat() string {
	c.t.Helper()
	ev := c.request(map[string]any{"type": "new_chat"})
	if ev["event"] != "attached" {
		c.t.Fatalf("new_chat: %v", ev)
	}
	return str(ev, "chat_id")
}

// collectTurn reads until turn_end and returns every event on the way.
func (c *wsc) collectTurn() []map[string]any {
	c.t.Helper()
	_, evs := c.until("turn_end", 20*time.Second)
	return evs
}

// answerOf concatenates the deltas of a list of events.
func answerOf(evs []map[string]any, kind string) string {
	var b strings.Builder
	for _, e := range evs {
		if e["event"] == kind {
			b.WriteString(str(e, "text"))
		}
	}
	return b.String()
}

// dialRaw connects without reading anything, like a stuck client.
func dialRaw(t *testing.T, ctx context.Context, sock string) *websocket.Conn {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	ws, _, err := websocket.Dial(ctx, "ws://hearth/ws", &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = ws.CloseNow() })
	return ws
}

func llmtestNew(t *testing.T) *llmtest.Server {
	t.Helper()
	fake := llmtest.New()
	t.Cleanup(fake.Close)
	return fake
}
