package app

import (
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// A late joiner to a turn of 110,000 one-token deltas is attached, not
// dropped: the running turn's deltas reach it merged into a few frames.
func TestLateJoinerToAHugeRunningTurnIsNotDropped(t *testing.T) {
	h := startHearth(t)
	const n = 110_000
	steps := make([]llmtest.Step, n)
	for i := range steps {
		steps[i] = llmtest.Step{Content: "x"}
	}
	h.fake.SetDefault(llmtest.Script{Steps: steps, Fail: llmtest.FailStall})
	a := h.dial(t)
	chat := a.newChat()
	a.request(map[string]any{"type": "message", "chat_id": chat, "content": "go"})
	for seen := 0; seen < n; {
		if ev := a.next(patience); ev["event"] == "delta" {
			seen += len(str(ev, "text"))
		}
	}

	late := h.dial(t)
	late.send(map[string]any{"type": "attach", "chat_id": chat})
	att, replay := late.until("attached", patience)
	if att["status"] != "running" {
		t.Fatalf("attached %v", att)
	}
	text, frames := answerOf(replay, "delta"), 0
	for _, ev := range replay {
		if ev["event"] == "delta" {
			frames++
		}
	}
	if text != strings.Repeat("x", n) || frames > 4 {
		t.Fatalf("late joiner got %d bytes in %d delta frames", len(text), frames)
	}
	a.send(map[string]any{"type": "cancel", "chat_id": chat})
	if end, _ := late.until("turn_end", patience); end["status"] != "cancelled" {
		t.Fatalf("turn_end %v", end)
	}
}
