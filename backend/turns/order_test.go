package turns

import (
	"context"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
)

// A slow question and two queued behind it: the model sees each question with
// its own answer, and so does every view — history while the queue waits and
// after, a full replay, and the stored transcript.
func TestEveryViewShowsEachQuestionFollowedByItsAnswer(t *testing.T) {
	te := newTestEngine(t, Options{})
	first := newGate()
	te.prov.run = func(ctx context.Context, req llm.Request, emit func(llm.Event) error) error {
		q := req.Messages[len(req.Messages)-1].Content
		if q == "Q1" {
			select {
			case <-first.ch:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return emit(llm.Event{Kind: llm.EventContent, Text: "A" + strings.TrimPrefix(q, "Q")})
	}
	chat := te.chat(t)
	sink := newRecSink()
	te.send(t, chat, "Q1", false, sink)
	te.send(t, chat, "Q2", true, sink)
	te.send(t, chat, "Q3", true, sink)

	order := func(ms []protocol.Message) string {
		var b []string
		for _, m := range ms {
			s := m.Content
			if m.Role == protocol.RoleAssistant && m.Status == protocol.StatusStreaming {
				s = "(A1 running)"
			}
			if m.Queued {
				s += "…"
			}
			b = append(b, s)
		}
		return strings.Join(b, " ")
	}
	ctx := context.Background()
	// While Q1's answer runs, history holds Q1 and the waiting questions,
	// marked, after it (the running answer comes with the attach replay).
	items, _, _, err := te.History(ctx, chat, 0, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	if got := order(items); got != "Q1 Q2… Q3…" {
		t.Fatalf("history while queued: %q", got)
	}

	first.open()
	sink.wait(t, "three turn_ends", count("turn_end", 3))
	items, _, _, err = te.History(ctx, chat, 0, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	if got := order(items); got != "Q1 A1 Q2 A2 Q3 A3" {
		t.Fatalf("history: %q", got)
	}
	for i := 1; i < len(items); i++ {
		if items[i].Seq <= items[i-1].Seq {
			t.Fatalf("seqs out of order: %d after %d", items[i].Seq, items[i-1].Seq)
		}
	}
	// Live, each queued question came again with its new seq right before
	// its turn_start.
	evs := sink.wait(t, "all", count("turn_end", 3))
	var moved []string
	for i, e := range evs {
		if e.Event == protocol.EvTurnStart && i > 0 && evs[i-1].Event == protocol.EvUserMessage && evs[i-1].Seq == e.Seq-1 {
			moved = append(moved, evs[i-1].TurnID)
		}
	}
	if len(moved) != 2 {
		t.Fatalf("%d queued questions moved before their turn_start, want 2", len(moved))
	}
	// A full replay reads the same way.
	late := newRecSink()
	zero := int64(0)
	if err := te.Attach(ctx, chat, &zero, late, "r"); err != nil {
		t.Fatal(err)
	}
	var replay []string
	for _, e := range late.wait(t, "attached", count(protocol.EvAttached, 1)) {
		switch e.Event {
		case protocol.EvUserMessage:
			replay = append(replay, "Q")
		case protocol.EvTurnStart:
			replay = append(replay, "A")
		}
	}
	if got := strings.Join(replay, ""); got != "QAQAQA" {
		t.Fatalf("replay order %q", got)
	}
	// The stored transcript, which export reads, too.
	msgs, err := te.st.Transcript(ctx, chat)
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	for _, m := range msgs {
		stored = append(stored, m.Content)
	}
	if got := strings.Join(stored, " "); got != "Q1 A1 Q2 A2 Q3 A3" {
		t.Fatalf("stored order %q", got)
	}
}

func TestInModelOrder(t *testing.T) {
	for _, tt := range []struct {
		in   []protocol.Message
		want string
	}{
		{nil, ""},
		{[]protocol.Message{{Content: "b", Seq: 2}, {Content: "a", Seq: 1}}, "ab"},
		{[]protocol.Message{{Content: "q2", Seq: 3, Queued: true}, {Content: "a1", Seq: 2}, {Content: "q3", Seq: 4, Queued: true}, {Content: "q1", Seq: 1}}, "q1a1q2q3"},
	} {
		InModelOrder(tt.in)
		var got string
		for _, m := range tt.in {
			got += m.Content
		}
		if got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
