package turns

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// Shutdown racing many sends: every message that was accepted has its turn
// ended (done or interrupted) by the time Shutdown returns, and every other
// send is refused as shutting_down. No turn starts after the wait.
func TestShutdownRacingSendsLeavesNoTurnBehind(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "hearth.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	prov := &scriptProvider{forget: true, run: func(ctx context.Context, _ llm.Request, emit func(llm.Event) error) error {
		if err := emit(llm.Event{Kind: llm.EventContent, Text: "a"}); err != nil {
			return err
		}
		<-ctx.Done() // until Shutdown interrupts it
		return ctx.Err()
	}}
	e := New(Options{Store: st, Providers: prov, Logger: slog.New(slog.DiscardHandler)})
	const senders = 16
	sinks := make([]*recSink, senders)
	chats := make([]string, senders)
	for i := range senders {
		c, err := st.CreateChat(ctx, store.NewChat{Title: "s"})
		if err != nil {
			t.Fatal(err)
		}
		chats[i], sinks[i] = c.ID, newRecSink()
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for {
				err := e.Send(ctx, protocol.SendMessage{ChatID: chats[i], Content: "q", Queue: true}, sinks[i])
				var ae *protocol.Error
				if errors.As(err, &ae) && ae.Reason == protocol.ReasonShuttingDown {
					return
				}
				if err != nil && !(errors.As(err, &ae) && ae.Reason == protocol.ReasonQueueFull) {
					t.Errorf("send: %v", err)
					return
				}
			}
		}()
	}
	close(start)
	// Stop while turns run and sends keep coming.
	sinks[0].wait(t, "a turn", count("turn_start", 1))
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := e.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	// Snapshot what every client got when Shutdown returned.
	for i, s := range sinks {
		s.mu.Lock()
		started, ended := map[string]bool{}, map[string]bool{}
		for _, ev := range s.evs {
			switch ev.Event {
			case "turn_start":
				started[ev.TurnID] = true
			case "turn_end":
				ended[ev.TurnID] = true
			}
		}
		s.mu.Unlock()
		for id := range started {
			if !ended[id] {
				t.Errorf("chat %d: turn %s started but had not ended when Shutdown returned", i, id)
			}
		}
	}
	wg.Wait()
}
