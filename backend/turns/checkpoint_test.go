package turns

import (
	"context"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/store"
)

// A checkpoint writes only what is new: ticks while the model is silent,
// mid-reasoning or after it, add no rows.
func TestCheckpointsOfASilentModelWriteNothing(t *testing.T) {
	te := newTestEngine(t, Options{})
	ctx := context.Background()
	chat := te.chat(t)
	m, err := te.st.StartAssistant(ctx, chat, "t1", "m", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := newRoom(chat, 1, 1)
	tr := &turn{id: "t1", chatID: chat, msgID: m.ID}
	textLen := func() int {
		got, err := te.st.GetMessage(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(got.Reasoning) + len(got.Content)*1000
	}
	rows := 0
	step := func(what string, wantNew bool) {
		t.Helper()
		before := tr.savedParts
		te.checkpoint(ctx, r, tr)
		if wrote := tr.savedParts > before; wrote != wantNew {
			t.Fatalf("%s: wrote a part %v, want %v", what, wrote, wantNew)
		}
		if wantNew {
			rows++
		}
	}
	now := time.Now()
	tr.reasoningStarted = &now
	tr.live.add(kindReasoning, 2, "hmm")
	step("first reasoning", true)
	step("silent while reasoning", false)
	step("silent again", false)
	end := now.Add(time.Second)
	tr.reasoningEnded = &end
	step("reasoning ended", true)
	step("silent after reasoning", false)
	tr.live.add(kindContent, 4, "Hi")
	step("answer text", true)
	step("silent while answering", false)
	if tr.savedParts != rows || textLen() != len("hmm")+len("Hi")*1000 {
		t.Fatalf("%d parts, text %d", tr.savedParts, textLen())
	}
	got, _ := te.st.GetMessage(ctx, m.ID)
	if got.Status != store.StatusStreaming || got.ReasoningEndedAt == nil || !got.ReasoningEndedAt.Equal(end.Truncate(time.Millisecond)) {
		t.Fatalf("checkpointed row %+v", got)
	}
}
