package app

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

func num(ev map[string]any, k string) int64 {
	f, _ := ev[k].(float64)
	return int64(f)
}

// pullEvents reads c's pull events for pullID until its pull_done.
func pullEvents(c *wsc, pullID string) (progress []map[string]any, done map[string]any) {
	c.t.Helper()
	for {
		ev := c.next(patience)
		if str(ev, "pull_id") != pullID {
			continue
		}
		switch ev["event"] {
		case "pull_progress":
			progress = append(progress, ev)
		case "pull_done":
			return progress, ev
		}
	}
}

// A download through Ollama, over real sockets: the caller and a second
// client both see its progress, in order; a second request for the same
// name joins it; either client can cancel it, which reaches the model
// server; a finished download's model is then listed, with its details.
func TestPullModel(t *testing.T) {
	fake := llmtest.New()
	t.Cleanup(fake.Close)
	fake.SetPull(func(name string) llmtest.PullScript {
		switch name {
		case "slow-model":
			return llmtest.PullScript{Layers: []int64{4 << 30, 1 << 10}, Steps: 100000, Delay: 5 * time.Millisecond}
		case "no-such-model":
			return llmtest.PullScript{Fail: llmtest.PullMissing}
		}
		return llmtest.PullScript{Layers: []int64{3338801804, 1 << 10}, Steps: 20, Delay: 5 * time.Millisecond}
	})
	cfg := testConfig(t, fake)
	cfg.Provider, cfg.ProviderURL = "ollama", fake.URL
	h := startWith(t, cfg, fake)
	a, b := h.dial(t), h.dial(t)

	started := a.request(map[string]any{"type": "pull_model", "name": "slow-model"})
	if started["event"] != "pull_progress" || str(started, "name") != "slow-model" || str(started, "pull_id") == "" {
		t.Fatalf("pull_model reply %v", started)
	}
	id := str(started, "pull_id")

	// b, who asked for nothing, watches the bytes come in, never backwards.
	var last int64
	for seen := 0; seen < 3; {
		ev := b.next(patience)
		if ev["event"] != "pull_progress" || str(ev, "pull_id") != id {
			continue
		}
		if _, ok := ev["req_id"]; ok {
			t.Fatalf("a broadcast carries a req_id: %v", ev)
		}
		c := num(ev, "completed")
		if c < last || c > num(ev, "total") {
			t.Fatalf("progress went from %d to %v", last, ev)
		}
		if c > last {
			seen++
		}
		last = c
	}
	listed := b.request(map[string]any{"type": "list_pulls"})
	items, _ := listed["items"].([]any)
	if listed["event"] != "pulls" || len(items) != 1 || str(items[0].(map[string]any), "pull_id") != id {
		t.Fatalf("list_pulls %v", listed)
	}
	// One download per name: asking again joins it.
	again := b.request(map[string]any{"type": "pull_model", "name": "slow-model"})
	if str(again, "pull_id") != id {
		t.Fatalf("second pull_model started another download: %v", again)
	}

	end := b.request(map[string]any{"type": "cancel_pull", "pull_id": id})
	if end["event"] != "pull_done" || str(end, "status") != "cancelled" || str(end, "pull_id") != id {
		t.Fatalf("cancel_pull reply %v", end)
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := fake.WaitCancelled(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if p := fake.Pulls(); len(p) != 1 || p[0].Name != "slow-model" || !p[0].Cancelled {
		t.Fatalf("the model server saw %+v", p)
	}
	if _, done := pullEvents(a, id); str(done, "status") != "cancelled" {
		t.Fatalf("a saw the end as %v", done)
	}
	if ev := a.request(map[string]any{"type": "cancel_pull", "pull_id": id}); str(ev, "reason") != "not_found" {
		t.Fatalf("cancelling an ended download: %v", ev)
	}

	// A download that finishes: every status in order, then the model is listed.
	started = a.request(map[string]any{"type": "pull_model", "name": llmtest.ModelVision})
	id = str(started, "pull_id")
	progress, done := pullEvents(b, id)
	if str(done, "status") != "done" || num(done, "completed") != num(done, "total") || num(done, "total") != 3338801804+1<<10 {
		t.Fatalf("pull_done %v", done)
	}
	var statuses []string
	for _, p := range progress {
		if s := str(p, "status"); len(statuses) == 0 || statuses[len(statuses)-1] != s {
			statuses = append(statuses, s)
		}
	}
	if statuses[0] != "starting" || !slices.Contains(statuses, "pulling manifest") || statuses[len(statuses)-1] != "success" {
		t.Fatalf("statuses %q", statuses)
	}
	models := a.request(map[string]any{"type": "list_models"})
	var vision map[string]any
	for _, m := range models["items"].([]any) {
		if mm := m.(map[string]any); mm["id"] == llmtest.ModelVision {
			vision = mm
		}
	}
	if vision == nil || vision["family"] != "gemma3" || vision["context_length"] != float64(131072) ||
		!slices.Equal(vision["capabilities"].([]any), []any{"vision"}) {
		t.Fatalf("pulled model listed as %v (in %v)", vision, models)
	}

	// A name the registry lacks ends in an error in words.
	started = a.request(map[string]any{"type": "pull_model", "name": "no-such-model"})
	_, done = pullEvents(a, str(started, "pull_id"))
	if str(done, "status") != "error" || !strings.Contains(str(done, "error"), `no model named "no-such-model"`) {
		t.Fatalf("pull of an unknown name ended %v", done)
	}
}

// Only Ollama downloads models: the OpenAI-compatible provider refuses in words.
func TestPullModelNeedsOllama(t *testing.T) {
	h := startHearth(t)
	c := h.dial(t)
	ev := c.request(map[string]any{"type": "pull_model", "name": "llama3.2"})
	if ev["event"] != "error" || str(ev, "reason") != "not_supported" || !strings.Contains(str(ev, "detail"), "Ollama") {
		t.Fatalf("pull_model on the openai provider: %v", ev)
	}
	if len(h.fake.Pulls()) != 0 {
		t.Fatal("the model server was asked to pull")
	}
}
