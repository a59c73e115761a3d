package health

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
	"github.com/hearth-app/hearth/backend/protocol"
)

type fixed struct{ p llm.Provider }

func (f fixed) Provider() (llm.Provider, string) { return f.p, "" }

// A real model server that stops and starts again on its address: the
// watcher's own probes (no request from anyone) find both, in order.
func TestWatcherFindsTheServerGoneAndBack(t *testing.T) {
	fake := llmtest.New()
	addr := fake.URL[len("http://"):]
	p, err := llm.New(llm.Config{BaseURL: fake.URL + "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	frames := make(chan protocol.Event, 100)
	w := New(Options{
		Source: fixed{p},
		Broadcast: func(b []byte) {
			var ev protocol.Event
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Errorf("bad frame %s: %v", b, err)
			}
			frames <- ev
		},
		Clients:  func() int { return 1 },
		Schedule: Schedule{Every: 20 * time.Millisecond, First: 10 * time.Millisecond, Max: 40 * time.Millisecond, MinGap: time.Millisecond},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	defer func() { cancel(); <-done }()
	w.Kick()

	next := func(want string) protocol.Event {
		t.Helper()
		select {
		case ev := <-frames:
			if ev.Event != protocol.EvProviderStatus || ev.State != want {
				t.Fatalf("got %+v, want provider_status %s", ev, want)
			}
			return ev
		case <-time.After(30 * time.Second):
			t.Fatalf("no provider_status %s", want)
		}
		return protocol.Event{}
	}
	up := next(protocol.ProviderOK)
	if ids := modelIDs(t, up); ids != "llmtest-chat llmtest-r1" {
		t.Fatalf("models %s", ids)
	}
	fake.Close()
	down := next(protocol.ProviderUnreachable)
	if down.Reason != protocol.ReasonUnreachable || down.Detail == "" {
		t.Fatalf("down event %+v", down)
	}
	back, err := llmtest.Listen(addr)
	if err != nil {
		t.Fatalf("restart the fake on %s: %v", addr, err)
	}
	defer back.Close()
	back.SetModels("another")
	again := next(protocol.ProviderOK)
	if ids := modelIDs(t, again); ids != "another" {
		t.Fatalf("models after the restart %s", ids)
	}
}

func modelIDs(t *testing.T, ev protocol.Event) string {
	t.Helper()
	b, _ := json.Marshal(ev.Items)
	var ms []protocol.Model
	if err := json.Unmarshal(b, &ms); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return strings.Join(ids, " ")
}

// counting is a provider that only counts how often its models are asked for.
type counting struct {
	llm.Provider
	n atomic.Int32
}

func (c *counting) Models(context.Context) ([]llm.Model, error) { c.n.Add(1); return nil, nil }
func (c *counting) Name() string                                { return "openai" }
func (c *counting) BaseURL() string                             { return "http://a" }

// With no client connected the watcher makes no request of its own; a kick
// (a failed reply) still looks.
func TestWatcherIdleWithoutClients(t *testing.T) {
	p := &counting{}
	w := New(Options{Source: fixed{p}, Clients: func() int { return 0 },
		Schedule: Schedule{Every: time.Millisecond, First: time.Millisecond, Max: time.Millisecond, MinGap: time.Millisecond}})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	w.Run(ctx)
	if n := p.n.Load(); n != 0 {
		t.Fatalf("%d requests with nobody connected", n)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx2) }()
	defer func() { cancel2(); <-done }()
	w.Kick()
	for deadline := time.Now().Add(30 * time.Second); p.n.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a kick did not probe")
		}
	}
}
