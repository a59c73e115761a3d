package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/client"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
	"github.com/hearth-app/hearth/backend/protocol"
)

// The Go client reconnects after the server restarts under it, resumes with
// since, and delivers every event once.
func TestClientReconnectsAndResumesAcrossRestart(t *testing.T) {
	fake := llmtest.New()
	t.Cleanup(fake.Close)
	fake.SetDefault(heldScript(100, 20*time.Millisecond)) // still running when the server restarts
	cfg := testConfig(t, fake)
	h := startWith(t, cfg, fake)

	ctx, cancel := context.WithTimeout(context.Background(), 2*patience)
	defer cancel()
	c, err := client.Dial(ctx, client.Options{Socket: h.Socket, Reconnect: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ev, err := c.Request(ctx, protocol.NewChat{})
	if err != nil {
		t.Fatal(err)
	}
	chat := ev.ChatID
	if _, err := c.Request(ctx, protocol.SendMessage{ChatID: chat, Content: "go"}); err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	var text strings.Builder
	for len(seqs) < 10 {
		ev, err := c.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev.ChatID == chat && ev.Seq > 0 {
			seqs = append(seqs, ev.Seq)
		}
		if ev.Event.Event == "delta" {
			text.WriteString(*ev.Text)
		}
	}
	// Restart the server under the client, mid-turn.
	h.stop(t)
	h2 := startWith(t, cfg, fake)
	_ = h2

	var end client.Event
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("client did not come back: %v", err)
		}
		if ev.ChatID != chat || ev.Seq == 0 {
			continue
		}
		if ev.Seq <= seqs[len(seqs)-1] {
			t.Fatalf("seq %d delivered again (or out of order) after %v", ev.Seq, seqs)
		}
		seqs = append(seqs, ev.Seq)
		if ev.Event.Event == "stream_end" {
			// The saved text is what was streamed before the shutdown.
			if !strings.HasPrefix(*ev.Text, text.String()) && !strings.HasPrefix(text.String(), *ev.Text) {
				t.Fatalf("stream_end %q does not match what was streamed %q", *ev.Text, text.String())
			}
		}
		if ev.Event.Event == "turn_end" {
			end = ev
			break
		}
	}
	if end.Status != "interrupted" {
		t.Fatalf("turn_end after restart: %+v", end.Event)
	}
	// And the chat goes on on the new server.
	if _, err := c.Request(ctx, protocol.SendMessage{ChatID: chat, Content: "again"}); err != nil {
		t.Fatalf("message after restart: %v", err)
	}
}
