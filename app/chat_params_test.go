package app

import (
	"context"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// A chat's settings reach the model server in each wire format, over the
// defaults from config.toml: the chat's own parameters win one by one, the
// message's reasoning effort over the chat's, and a preset chosen for a new
// chat brings its system prompt, model and parameters.
func TestChatParamsReachTheModelServer(t *testing.T) {
	for _, kind := range []string{"openai", "ollama"} {
		t.Run(kind, func(t *testing.T) {
			fake := llmtestNew(t)
			cfg := testConfig(t, fake)
			if kind == "ollama" {
				cfg.Provider, cfg.ProviderURL = "ollama", fake.URL
			}
			temp, topP, ctxLen := 0.7, 0.95, 8192
			cfg.Params = config.Params{Temperature: &temp, TopP: &topP, ContextLength: &ctxLen, ReasoningEffort: "low"}
			h := startWith(t, cfg, fake)
			c := h.dial(t)
			if ev := c.request(map[string]any{"type": "save_preset", "name": "terse", "system": "Answer in one word.",
				"model": "preset-model", "params": map[string]any{"temperature": 0.1, "context_length": 2048}}); ev["event"] != "presets" {
				t.Fatalf("save_preset: %v", ev)
			}
			ev := c.request(map[string]any{"type": "new_chat", "preset": "terse", "params": map[string]any{"top_p": 0.5}})
			if ev["event"] != "attached" {
				t.Fatalf("new_chat: %v", ev)
			}
			chat := str(ev, "chat_id")
			c.send(map[string]any{"type": "message", "chat_id": chat, "content": "hi"})
			c.collectTurn()
			c.send(map[string]any{"type": "message", "chat_id": chat, "content": "again", "reasoning_effort": "high"})
			c.collectTurn()
			// A chat with no settings of its own gets the defaults.
			plain := c.newChat()
			c.send(map[string]any{"type": "message", "chat_id": plain, "content": "plain"})
			c.collectTurn()

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := fake.WaitRequests(ctx, 3); err != nil {
				t.Fatal(err)
			}
			reqs := chatRequests(fake)
			if len(reqs) != 3 {
				t.Fatalf("%d chat requests", len(reqs))
			}
			first, second, third := reqs[0], reqs[1], reqs[2]
			if first.Model != "preset-model" || len(first.Messages) == 0 || first.Messages[0].Role != "system" ||
				first.Messages[0].Content != "Answer in one word." {
				t.Errorf("first request: model %q messages %+v", first.Model, first.Messages)
			}
			wantEffort := func(r llmtest.RecordedRequest, effort string) {
				t.Helper()
				got := r.ReasoningEffort
				if kind == "ollama" {
					got, effort = r.Think, `"`+effort+`"`
				}
				if got != effort {
					t.Errorf("effort %s, want %s", got, effort)
				}
			}
			check := func(name string, r llmtest.RecordedRequest, temp, topP float64, numCtx int) {
				t.Helper()
				if r.Temperature == nil || *r.Temperature != temp || r.TopP == nil || *r.TopP != topP {
					t.Errorf("%s: temperature %v top_p %v, want %v %v: %s", name, r.Temperature, r.TopP, temp, topP, r.Body)
				}
				switch {
				case kind == "openai" && r.NumCtx != nil:
					t.Errorf("%s: an OpenAI-compatible request carries num_ctx", name)
				case kind == "ollama" && (r.NumCtx == nil || *r.NumCtx != numCtx):
					t.Errorf("%s: num_ctx %v, want %d", name, r.NumCtx, numCtx)
				}
			}
			check("preset chat", first, 0.1, 0.5, 2048)
			wantEffort(first, "low")
			check("preset chat, second turn", second, 0.1, 0.5, 2048)
			wantEffort(second, "high")
			check("plain chat", third, 0.7, 0.95, 8192)
			wantEffort(third, "low")
		})
	}
}

// chatRequests are the answers to this test's questions the fake received,
// without model listings or any other request (a title, say).
func chatRequests(fake *llmtest.Server) []llmtest.RecordedRequest {
	var out []llmtest.RecordedRequest
	for _, r := range fake.Requests() {
		switch r.LastUser() {
		case "hi", "again", "plain":
			if r.Path == "/v1/chat/completions" || r.Path == "/api/chat" {
				out = append(out, r)
			}
		}
	}
	return out
}
