package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hearth-app/hearth/backend/chats"
	"github.com/hearth-app/hearth/backend/dispatch"
	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/turns"
)

// blockingModels is a provider whose model list waits for the test.
type blockingModels struct {
	asked   chan struct{}
	release chan struct{}
}

func (p *blockingModels) Stream(context.Context, llm.Request, func(llm.Event) error) error {
	return nil
}
func (p *blockingModels) Models(ctx context.Context) ([]llm.Model, error) {
	close(p.asked)
	<-p.release
	return nil, nil
}
func (p *blockingModels) Name() string                     { return "openai" }
func (p *blockingModels) BaseURL() string                  { return "http://test" }
func (p *blockingModels) Provider() (llm.Provider, string) { return p, "m" }

// A clean stop waits for the goroutines the connections started (a model
// list still being fetched) before it returns, so the store is never closed
// under them.
func TestShutdownWaitsForWorkTheConnectionsStarted(t *testing.T) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "hsw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	st, err := store.Open(ctx, filepath.Join(dir, "db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	prov := &blockingModels{asked: make(chan struct{}), release: make(chan struct{})}
	log := slog.New(slog.DiscardHandler)
	eng := turns.New(turns.Options{Store: st, Providers: prov, Logger: log})
	cs := chats.New(chats.Options{Store: st, Turns: eng, Providers: prov, Logger: log})
	d := dispatch.New(dispatch.Deps{Turns: eng, Chats: cs, Logger: log})
	s := New(Options{Dispatch: d, Turns: eng, Chats: cs, Store: st, Logger: log})
	sock := filepath.Join(dir, "h.sock")
	if err := s.ListenUnix(sock); err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	ws, _, err := websocket.Dial(ctx, "ws://hearth/ws", &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"list_models","req_id":"m"}`)); err != nil {
		t.Fatal(err)
	}
	<-prov.asked

	stopped := make(chan error, 1)
	go func() { stopped <- s.Shutdown(ctx) }()
	// The client is told the server is going away...
	for {
		if _, _, err := ws.Read(ctx); err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway {
				t.Fatalf("connection ended with %v, want a going-away close frame", err)
			}
			break
		}
	}
	// ...but the stop is not over while the model list is still being fetched.
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned (%v) while a connection's request was still running", err)
	default:
	}
	close(prov.release)
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute): // a safety net only
		t.Fatal("Shutdown never returned")
	}
}
