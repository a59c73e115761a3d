package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/app/assembly"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// A key saved in the settings form is for the server it was saved with: when
// the form points Hearth at another server, the key is dropped (from memory and
// from config.toml) and the form has to be given one again.
func TestSettingsKeyIsNotSentToAnotherServer(t *testing.T) {
	h := startHearth(t)
	other := llmtestNew(t)
	c := h.dial(t)
	here := h.fake.URL + "/v1"
	if ev := c.request(map[string]any{"type": "set_settings", "provider_url": here, "api_key": "sk-for-here"}); ev["has_api_key"] != true {
		t.Fatalf("set key: %v", ev)
	}
	// Saving the form again with the same server (a model change) keeps it.
	if ev := c.request(map[string]any{"type": "set_settings", "provider_url": here, "model": "m2"}); ev["has_api_key"] != true {
		t.Fatalf("same server, other model: %v", ev)
	}

	ev := c.request(map[string]any{"type": "set_settings", "provider_url": other.URL + "/v1", "model": "m2"})
	if ev["event"] != "settings" || ev["has_api_key"] != false {
		t.Fatalf("another server kept the key: %v", ev)
	}
	chat := c.newChat()
	c.request(map[string]any{"type": "message", "chat_id": chat, "content": "hi"})
	c.collectTurn()
	reqs := other.Requests()
	if len(reqs) != 1 {
		t.Fatalf("other server got %d requests", len(reqs))
	}
	if auth := reqs[0].Header.Get("Authorization"); auth != "" {
		t.Fatalf("the key saved for %s went to %s: %q", here, other.URL, auth)
	}
	if b, err := os.ReadFile(h.cfg.ConfigFile); err != nil || strings.Contains(string(b), "sk-for-here") {
		t.Fatalf("config file still holds the key: %s %v", b, err)
	}
	// A key typed with the new server is for that server.
	if ev := c.request(map[string]any{"type": "set_settings", "provider_url": other.URL + "/v1", "api_key": "sk-other"}); ev["has_api_key"] != true {
		t.Fatalf("new key: %v", ev)
	}
}

// user:password@ in the provider URL is used for the requests but never
// broadcast: not in settings events, not in list_models replies, not in the log.
func TestProviderURLCredentialsAreNeverShown(t *testing.T) {
	fake := llmtestNew(t)
	cfg := testConfig(t, fake)
	withCreds := strings.Replace(fake.URL, "http://", "http://alice:s3cret@", 1) + "/v1"
	cfg.ProviderURL = withCreds
	var logs syncBuffer
	b, err := assembly.Start(context.Background(), cfg, nil, slog.New(slog.NewTextHandler(&logs, nil)), assembly.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := &testHearth{Backend: b, cfg: cfg, fake: fake}
	t.Cleanup(func() { h.stop(t) })
	c := h.dial(t)

	frames := []map[string]any{
		c.request(map[string]any{"type": "get_settings"}),
		c.request(map[string]any{"type": "list_models"}),
	}
	// The form sends back the URL it was shown; that keeps the credentials.
	shown := str(frames[0], "provider_url")
	frames = append(frames, c.request(map[string]any{"type": "set_settings", "provider_url": shown, "model": "fake-model"}))
	for _, f := range frames {
		raw, _ := json.Marshal(f)
		if strings.Contains(string(raw), "s3cret") || strings.Contains(string(raw), "alice") {
			t.Errorf("%v shows the URL's credentials: %s", f["event"], raw)
		}
	}
	if !strings.Contains(shown, strings.TrimPrefix(fake.URL, "http://")) {
		t.Fatalf("settings no longer name the server: %q", shown)
	}
	chat := c.newChat()
	c.request(map[string]any{"type": "message", "chat_id": chat, "content": "hi"})
	if end := c.collectTurn(); str(end[len(end)-1], "status") != "done" {
		t.Fatalf("turn: %v", end[len(end)-1])
	}
	reqs := fake.Requests()
	if auth := reqs[len(reqs)-1].Header.Get("Authorization"); !strings.HasPrefix(auth, "Basic ") {
		t.Fatalf("credentials were lost on the way: %q", auth)
	}
	if cf, _ := os.ReadFile(cfg.ConfigFile); !strings.Contains(string(cf), withCreds) {
		t.Errorf("the saved URL lost its credentials:\n%s", cf)
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("log shows the password:\n%s", logs.String())
	}
}

// OPENAI_API_KEY not meant for the configured server is not sent, and the
// start-up log says why.
func TestStartupWarnsAboutAWithheldKey(t *testing.T) {
	fake := llmtestNew(t)
	cfg := testConfig(t, fake)
	cfg.APIKeyNote = "OPENAI_API_KEY is not sent to " + cfg.ProviderURL
	var logs syncBuffer
	b, err := assembly.Start(context.Background(), cfg, nil, slog.New(slog.NewTextHandler(&logs, nil)), assembly.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := &testHearth{Backend: b, cfg: cfg, fake: fake}
	t.Cleanup(func() { h.stop(t) })
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "OPENAI_API_KEY is not sent to") {
		t.Fatalf("no warning in the log:\n%s", logs.String())
	}
}

// The idle timeout is a setting, and the provider uses it.
func TestProviderIdleTimeoutSettingIsUsed(t *testing.T) {
	fake := llmtestNew(t)
	fake.SetDefault(llmtest.Script{Fail: llmtest.FailStallHeader})
	cfg := testConfig(t, fake)
	cfg.ProviderIdleTimeout = 200 * time.Millisecond
	h := startWith(t, cfg, fake)
	c := h.dial(t)
	chat := c.newChat()
	c.request(map[string]any{"type": "message", "chat_id": chat, "content": "hi"})
	evs := c.collectTurn()
	end := evs[len(evs)-1]
	if end["status"] != "error" || !strings.Contains(str(end, "error"), "200ms") || !strings.Contains(str(end, "error"), "provider_idle_timeout") {
		t.Fatalf("turn_end %v; want the stall after 200ms, naming the setting", end)
	}
}

// syncBuffer is a log sink that the test can read while Hearth's goroutines
// write to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
