package turns

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

type fixedProvider struct{ p llm.Provider }

func (f fixedProvider) Provider() (llm.Provider, string) { return f.p, "bench-model" }

// countSink counts frames and signals the end of each turn.
type countSink struct {
	frames atomic.Int64
	ends   chan struct{}
}

func (s *countSink) Send(b []byte) {
	s.frames.Add(1)
	if bytes.Contains(b, []byte(`"event":"turn_end"`)) {
		s.ends <- struct{}{}
	}
}

// BenchmarkTurnFanout runs whole turns of 1000 deltas through the real engine
// (real SQLite store with checkpoints, the fake model server over HTTP) to 8
// subscribers, and reports the cost per streamed delta.
func BenchmarkTurnFanout(b *testing.B) {
	const deltas, subscribers = 1000, 8
	fake := llmtest.New()
	defer fake.Close()
	steps := make([]llmtest.Step, deltas)
	for i := range steps {
		steps[i] = llmtest.Step{Content: "tok "}
	}
	fake.SetDefault(llmtest.Script{Steps: steps})
	p, err := llm.New(llm.Config{Kind: "openai", BaseURL: fake.URL + "/v1"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	eng := New(Options{Store: st, Providers: fixedProvider{p}, Logger: slog.New(slog.DiscardHandler)})
	defer eng.Shutdown(ctx)
	c, err := st.CreateChat(ctx, store.NewChat{Title: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	sinks := make([]*countSink, subscribers)
	for i := range sinks {
		sinks[i] = &countSink{ends: make(chan struct{}, 1)}
		if err := eng.Attach(ctx, c.ID, nil, sinks[i], ""); err != nil {
			b.Fatal(err)
		}
	}
	sender := &countSink{ends: make(chan struct{}, 1)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := eng.Send(ctx, protocol.SendMessage{ChatID: c.ID, Content: "go"}, sender); err != nil {
			b.Fatal(err)
		}
		for _, s := range sinks {
			<-s.ends
		}
		<-sender.ends
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*deltas), "ns/delta")
	if got := sinks[0].frames.Load(); got < int64(b.N*deltas) {
		b.Fatalf("subscriber got %d frames for %d deltas", got, b.N*deltas)
	}
}
