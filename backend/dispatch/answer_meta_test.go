package dispatch

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
	"github.com/hearth-app/hearth/backend/protocol"
)

// A reloaded answer shows the time and speed it showed live: history carries
// the turn_end's latency_ms and usage, from the stored row.
func TestHistoryKeepsTheAnswersTimeAndUsage(t *testing.T) {
	f := newFixture(t)
	f.llm.SetDefault(llmtest.Script{
		Steps: []llmtest.Step{{Content: "slow "}, {Content: "answer", Delay: 60 * time.Millisecond}},
		Usage: &llm.Usage{PromptTokens: 7, CompletionTokens: 42, TotalTokens: 49},
	})
	k := newSink()
	s := Session{DefaultChat: "c-meta", Sink: k}
	f.run(s, protocol.SendMessage{Base: protocol.Base{ReqID: "1"}, Content: "hi", ToDefault: true})
	end := k.wait(t, func(e protocol.Event) bool { return e.Event == protocol.EvTurnEnd })
	if end.Status != protocol.StatusDone || end.LatencyMS == nil || *end.LatencyMS < 60 || end.Usage == nil || end.Usage.CompletionTokens != 42 {
		t.Fatalf("turn_end %+v", end)
	}
	h := f.run(s, protocol.GetHistory{Base: protocol.Base{ReqID: "h"}, ChatID: "c-meta", Limit: 10})
	if len(h) != 1 || h[0].Event != protocol.EvHistory {
		t.Fatalf("history %+v", h)
	}
	// Through JSON, as a client reads it.
	raw, err := json.Marshal(h[0].Items)
	if err != nil {
		t.Fatal(err)
	}
	var items []protocol.Message
	if err := json.Unmarshal(raw, &items); err != nil {
		t.Fatal(err)
	}
	var answer *protocol.Message
	for i := range items {
		if items[i].Role == protocol.RoleAssistant {
			answer = &items[i]
		}
	}
	if answer == nil {
		t.Fatalf("no answer in history %s", raw)
	}
	if answer.LatencyMS != *end.LatencyMS {
		t.Errorf("history latency_ms %d, turn_end said %d", answer.LatencyMS, *end.LatencyMS)
	}
	if answer.Usage == nil || *answer.Usage != *end.Usage {
		t.Errorf("history usage %+v, turn_end said %+v", answer.Usage, end.Usage)
	}
}
