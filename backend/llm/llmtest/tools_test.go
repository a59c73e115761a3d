package llmtest

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

const toolsBody = `{"model":"m","stream":true,"messages":[{"role":"user","content":"weather?"}],` +
	`"tools":[{"type":"function","function":{"name":"get_weather","description":"d","parameters":{"type":"object"}}}]}`

// On /v1 the calls of a step are interleaved fragment by fragment, each
// call's arguments in several pieces, and the reply ends in "tool_calls".
func TestOpenAIToolCallChunks(t *testing.T) {
	s := New()
	defer s.Close()
	s.SetDefault(Script{Steps: []Step{{Content: "Looking.", ToolCalls: []ToolCall{
		{ID: "a", Name: "f", Arguments: `{"x":1}`}, {Name: "g", Arguments: `{"y":2}`},
	}}}})
	var indexes []int
	args := map[int]string{}
	ids := map[int]string{}
	finish, content := "", ""
	for _, d := range sseDatas(t, post(t, s.URL+"/v1/chat/completions", toolsBody)) {
		if d == "[DONE]" {
			continue
		}
		var ch struct {
			Choices []struct {
				Delta struct {
					Content   *string `json:"content"`
					ToolCalls []struct {
						Index    int    `json:"index"`
						ID       string `json:"id"`
						Function struct {
							Arguments string `json:"arguments"`
						} `json:"function"`
					} `json:"tool_calls"`
				} `json:"delta"`
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(d), &ch); err != nil {
			t.Fatal(err)
		}
		for _, c := range ch.Choices {
			if c.Delta.Content != nil {
				content += *c.Delta.Content
			}
			for _, tc := range c.Delta.ToolCalls {
				if tc.ID != "" {
					ids[tc.Index] = tc.ID
				}
				if tc.Function.Arguments != "" {
					indexes = append(indexes, tc.Index)
					args[tc.Index] += tc.Function.Arguments
				}
			}
			if c.FinishReason != nil {
				finish = *c.FinishReason
			}
		}
	}
	alternating := len(indexes) >= 4 && len(indexes)%2 == 0
	for i, ix := range indexes {
		alternating = alternating && ix == i%2
	}
	if !alternating || finish != "tool_calls" || content != "Looking." {
		t.Fatalf("argument fragments by index %v, finish %q, content %q", indexes, finish, content)
	}
	if args[0] != `{"x":1}` || args[1] != `{"y":2}` || ids[0] != "a" || ids[1] != "" {
		t.Fatalf("arguments %v, ids %v", args, ids)
	}
	rec := s.Requests()[0]
	if len(rec.Tools) != 1 || rec.Tools[0].Name != "get_weather" || string(rec.Tools[0].Parameters) != `{"type":"object"}` {
		t.Fatalf("recorded tools %+v", rec.Tools)
	}
}

// On /api/chat the calls come in one message with object arguments;
// arguments that are not an object go as a string, for malformed-input tests.
func TestOllamaToolCallChunk(t *testing.T) {
	s := New()
	defer s.Close()
	s.SetDefault(Script{Steps: []Step{{ToolCalls: []ToolCall{
		{ID: "call_1", Name: "f", Arguments: `{"x": 1}`}, {Name: "g", Arguments: `{"y": oops`},
	}}}})
	resp := post(t, s.URL+"/api/chat", toolsBody)
	sc := bufio.NewScanner(resp.Body)
	var calls []json.RawMessage
	for sc.Scan() {
		var line struct {
			Message struct {
				ToolCalls []json.RawMessage `json:"tool_calls"`
			} `json:"message"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		calls = append(calls, line.Message.ToolCalls...)
	}
	want := []string{
		`{"function":{"arguments":{"x":1},"index":0,"name":"f"},"id":"call_1"}`,
		`{"function":{"arguments":"{\"y\": oops","name":"g"}}`,
	}
	if len(calls) != 2 || string(calls[0]) != want[0] || string(calls[1]) != want[1] {
		t.Fatalf("tool_calls %s, want %s", calls, want)
	}
}

// FailNoTools refuses tools as each server does, and without tools the
// model answers in words only.
func TestFailNoTools(t *testing.T) {
	s := New()
	defer s.Close()
	s.SetDefault(Script{Fail: FailNoTools, Steps: []Step{{Content: "Hi."}, {ToolCalls: []ToolCall{{Name: "f"}}}}})
	cases := []struct{ path, want string }{
		{"/api/chat", `{"error":"registry.ollama.ai/library/m:latest does not support tools"}`},
		{"/v1/chat/completions", `"message":"tools param requires --jinja flag"`},
	}
	for _, tc := range cases {
		resp := post(t, s.URL+tc.path, toolsBody)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: %d %s", tc.path, resp.StatusCode, b)
		}
	}
	resp := post(t, s.URL+"/v1/chat/completions", chatBody)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"content":"Hi."`) || strings.Contains(string(b), "tool_calls") {
		t.Fatalf("without tools: %d %s", resp.StatusCode, b)
	}
}

// A responder sees the history: call a tool first, answer once the result
// is there. Calls and results of both formats are recorded.
func TestRespondToToolResults(t *testing.T) {
	s := New()
	defer s.Close()
	s.Use(func(r RecordedRequest) (Script, bool) {
		if r.LastRole() == "tool" {
			return Script{Steps: []Step{{Content: "It is " + r.Messages[len(r.Messages)-1].Content}}}, true
		}
		return Script{Steps: []Step{{ToolCalls: []ToolCall{{ID: "c1", Name: "get_weather", Arguments: `{"city":"Oslo"}`}}}}}, true
	})
	history := map[string]string{
		"/v1/chat/completions": `{"model":"m","stream":true,"messages":[{"role":"user","content":"weather?"},` +
			`{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]},` +
			`{"role":"tool","tool_call_id":"c1","content":"sunny"}]}`,
		"/api/chat": `{"model":"m","messages":[{"role":"user","content":"weather?"},` +
			`{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Oslo"}}}]},` +
			`{"role":"tool","content":"sunny","tool_name":"get_weather"}]}`,
	}
	for path, body := range history {
		b, _ := io.ReadAll(post(t, s.URL+path, body).Body)
		if !strings.Contains(string(b), "It is sunny") {
			t.Errorf("%s: %s", path, b)
		}
		reqs := s.Requests()
		rec := reqs[len(reqs)-1]
		wantID, wantName := "c1", ""
		if path == "/api/chat" {
			wantID, wantName = "", "get_weather"
		}
		call := rec.Messages[1].ToolCalls
		if len(call) != 1 || call[0].Name != "get_weather" || call[0].Arguments != `{"city":"Oslo"}` || call[0].ID != wantID {
			t.Errorf("%s: recorded calls %+v", path, call)
		}
		if m := rec.Messages[2]; m.ToolCallID != wantID || m.ToolName != wantName || m.Content != "sunny" {
			t.Errorf("%s: recorded result %+v", path, m)
		}
	}
}
