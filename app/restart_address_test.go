package app

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/hearth-app/hearth/app/assembly"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/instance"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// restartable is one data dir started and stopped several times, as a user
// restarts `hearth serve` under an open browser tab.
type restartable struct {
	t   *testing.T
	cfg config.Config
	log *syncBuffer
}

func newRestartable(t *testing.T) *restartable {
	fake := llmtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake)
	cfg.StateDir = filepath.Join(filepath.Dir(cfg.DataDir), "state", "hearth")
	return &restartable{t: t, cfg: cfg, log: &syncBuffer{}}
}

// start runs the backend until the test ends or stop is called.
func (r *restartable) start(cfg config.Config) *assembly.Backend {
	r.t.Helper()
	b, err := r.try(cfg)
	if err != nil {
		r.t.Fatalf("start: %v", err)
	}
	return b
}

func (r *restartable) try(cfg config.Config) (*assembly.Backend, error) {
	log := slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	b, err := assembly.Start(context.Background(), cfg, nil, log, assembly.Options{})
	if err != nil {
		return nil, err
	}
	r.t.Cleanup(func() { r.stop(b) })
	return b, nil
}

func (r *restartable) stop(b *assembly.Backend) {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := b.Shutdown(ctx); err != nil {
		r.t.Errorf("shutdown: %v", err)
	}
}

// statusWith is what /api/status says to a client presenting token at base.
func statusWith(t *testing.T, base, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"api/status", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %sapi/status: %v", base, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// dialPage connects as the browser tab does: the WebSocket URL it kept, with
// the token it took from the link.
func dialPage(t *testing.T, ws, token string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	c, _, err := websocket.Dial(ctx, ws+"?token="+url.QueryEscape(token), nil)
	if err != nil {
		t.Fatalf("the page's address %s no longer reaches Hearth: %v", ws, err)
	}
	newWSC(t, c)
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// A restart keeps the address and the token: the page's saved URL and token
// reach the new process, and the token lives in a 0600 file.
func TestRestartKeepsPortAndToken(t *testing.T) {
	r := newRestartable(t)
	first := r.start(r.cfg)
	dialPage(t, first.WS, first.Token)
	url1, ws1, tok1 := first.URL, first.WS, first.Token
	r.stop(first)

	second := r.start(r.cfg)
	if second.URL != url1 || second.Token != tok1 {
		t.Fatalf("restart moved: %s token %s…, was %s token %s…", second.URL, second.Token[:6], url1, tok1[:6])
	}
	if second.MovedFrom != "" {
		t.Errorf("MovedFrom = %q after a restart on the same port", second.MovedFrom)
	}
	dialPage(t, ws1, tok1)

	if m := fileMode(t, r.cfg.TokenFile()); m != 0o600 {
		t.Errorf("token file mode %v, want 0600", m)
	}
	if m := fileMode(t, r.cfg.StateDir); m != 0o700 {
		t.Errorf("state dir mode %v, want 0700", m)
	}
	if got, err := instance.ReadToken(r.cfg.TokenFile()); err != nil || got != tok1 {
		t.Errorf("token file holds %q (%v)", got, err)
	}
	ep, err := instance.ReadEndpoint(r.cfg.EndpointFile())
	if err != nil || ep.URL != url1 || ep.Token != tok1 || ep.MovedFrom != "" {
		t.Errorf("endpoint.json after the restart: %+v (%v)", ep, err)
	}
}

// --new-token keeps the port but replaces the token: the old one is refused.
func TestNewTokenRotates(t *testing.T) {
	r := newRestartable(t)
	first := r.start(r.cfg)
	url1, tok1 := first.URL, first.Token
	r.stop(first)

	cfg := r.cfg
	cfg.NewToken = true
	second := r.start(cfg)
	if second.Token == tok1 || second.URL != url1 {
		t.Fatalf("after --new-token: %s token same=%v", second.URL, second.Token == tok1)
	}
	if code := statusWith(t, second.URL, tok1); code != http.StatusUnauthorized {
		t.Errorf("the old token got %d, want 401", code)
	}
	if code := statusWith(t, second.URL, second.Token); code != http.StatusOK {
		t.Errorf("the new token got %d", code)
	}
	if !strings.Contains(r.log.String(), "made a new access token") {
		t.Errorf("the rotation is not logged:\n%s", r.log.String())
	}
	if m := fileMode(t, r.cfg.TokenFile()); m != 0o600 {
		t.Errorf("token file mode %v after the rotation", m)
	}
	r.stop(second)

	// The rotated token is the one kept from now on.
	third := r.start(r.cfg)
	if third.Token != second.Token {
		t.Errorf("the next plain restart did not keep the rotated token")
	}
}

// A fixed token (flag, environment, file) wins over the stored one, and
// --new-token cannot replace it.
func TestFixedTokenWins(t *testing.T) {
	r := newRestartable(t)
	cfg := r.cfg
	cfg.Token = "fixed-token-of-this-user-1234"
	b := r.start(cfg)
	if b.Token != cfg.Token {
		t.Errorf("token %q, want the fixed one", b.Token)
	}
	if _, err := os.Stat(r.cfg.TokenFile()); !os.IsNotExist(err) {
		t.Errorf("a fixed token was stored: %v", err)
	}
	r.stop(b)
	cfg.NewToken = true
	if b, err := r.try(cfg); err == nil || !strings.Contains(err.Error(), "fixed token") {
		if b != nil {
			r.stop(b)
		}
		t.Errorf("--new-token with a fixed token: %v", err)
	}
}

// An empty or garbled token file gets a new token, said in the log.
func TestUnusableTokenFileIsReplaced(t *testing.T) {
	for _, content := range []string{"", "short\n", "has spaces in the token\n", "\x00\x01\x02garbage-garbage-garbage"} {
		r := newRestartable(t)
		if err := os.MkdirAll(r.cfg.StateDir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(r.cfg.TokenFile(), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		b := r.start(r.cfg)
		if len(b.Token) < 32 || strings.Contains(content, b.Token) {
			t.Errorf("file %q: token %q", content, b.Token)
		}
		if got, err := instance.ReadToken(r.cfg.TokenFile()); err != nil || got != b.Token {
			t.Errorf("file %q: the new token was not stored: %q %v", content, got, err)
		}
		if !strings.Contains(r.log.String(), "stored access token is unusable") {
			t.Errorf("file %q: nothing logged:\n%s", content, r.log.String())
		}
		r.stop(b)
	}
}

// When another program took the port, Hearth listens elsewhere and says so in
// endpoint.json (and the log); the next restart stays on the new port.
func TestBusyPortMoves(t *testing.T) {
	r := newRestartable(t)
	first := r.start(r.cfg)
	url1, tok1 := first.URL, first.Token
	_, port1, _ := net.SplitHostPort(strings.TrimSuffix(strings.TrimPrefix(url1, "http://"), "/"))
	r.stop(first)

	blocker, err := net.Listen("tcp", "127.0.0.1:"+port1)
	if err != nil {
		t.Fatalf("take the old port: %v", err)
	}
	defer blocker.Close()

	second := r.start(r.cfg)
	if second.URL == url1 {
		t.Fatalf("listening on the taken port %s", url1)
	}
	if second.Token != tok1 {
		t.Errorf("the token changed with the port")
	}
	if second.MovedFrom != url1 {
		t.Errorf("MovedFrom = %q, want %q", second.MovedFrom, url1)
	}
	ep, err := instance.ReadEndpoint(r.cfg.EndpointFile())
	if err != nil || ep.MovedFrom != url1 || ep.URL != second.URL {
		t.Errorf("endpoint.json: %+v (%v)", ep, err)
	}
	if m := fileMode(t, r.cfg.EndpointFile()); m != 0o600 {
		t.Errorf("endpoint.json mode %v", m)
	}
	if !strings.Contains(r.log.String(), "port of the last run is taken") {
		t.Errorf("the move is not logged:\n%s", r.log.String())
	}
	url2 := second.URL
	r.stop(second)
	blocker.Close()

	third := r.start(r.cfg)
	if third.URL != url2 || third.MovedFrom != "" {
		t.Errorf("after the move, a restart went to %s (moved from %q), want %s", third.URL, third.MovedFrom, url2)
	}
}

// A listen address with a port is used as given, whatever the last run had.
func TestFixedListenPortWins(t *testing.T) {
	r := newRestartable(t)
	first := r.start(r.cfg)
	r.stop(first)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fixed := l.Addr().String()
	l.Close()
	cfg := r.cfg
	cfg.Listen = fixed
	b := r.start(cfg)
	if b.URL != "http://"+fixed+"/" || b.MovedFrom != "" {
		t.Errorf("listen %s: got %s (moved from %q)", fixed, b.URL, b.MovedFrom)
	}
}
