package llm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// streamed is one Stream's events, in order, with text runs merged.
type streamed struct {
	events []llm.Event
	err    error
}

func streamAll(t *testing.T, p llm.Provider, req llm.Request) streamed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var s streamed
	s.err = p.Stream(ctx, req, func(ev llm.Event) error {
		if n := len(s.events); n > 0 && ev.Text != "" && s.events[n-1].Kind == ev.Kind {
			s.events[n-1].Text += ev.Text
			return nil
		}
		s.events = append(s.events, ev)
		return nil
	})
	return s
}

// shape is the kinds in order, e.g. "content tool_calls usage".
func (s streamed) shape() string {
	var kinds []string
	for _, ev := range s.events {
		kinds = append(kinds, ev.Kind.String())
	}
	return strings.Join(kinds, " ")
}

func (s streamed) text(kind llm.EventKind) string {
	var b strings.Builder
	for _, ev := range s.events {
		if ev.Kind == kind {
			b.WriteString(ev.Text)
		}
	}
	return b.String()
}

// calls is the one EventToolCalls' calls; more than one such event fails.
func (s streamed) calls(t *testing.T) []llm.ToolCall {
	t.Helper()
	var out []llm.ToolCall
	n := 0
	for _, ev := range s.events {
		if ev.Kind == llm.EventToolCalls {
			n++
			out = ev.ToolCalls
		}
	}
	if n > 1 {
		t.Fatalf("%d tool_calls events, want at most one: %s", n, s.shape())
	}
	return out
}

var weatherTool = llm.Tool{
	Name:        "get_weather",
	Description: "Current weather of a city",
	Parameters:  json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`),
}

func askWithTools(model, text string, tools ...llm.Tool) llm.Request {
	req := userAsks(model, text)
	req.Tools = tools
	return req
}

// sameCalls compares calls, with generated ids checked for their form only.
func sameCalls(t *testing.T, got, want []llm.ToolCall) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("calls %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if w.ID == "" {
			if !strings.HasPrefix(g.ID, "call_") || len(g.ID) < 10 {
				t.Errorf("call %d: generated id %q", i, g.ID)
			}
			g.ID = ""
		}
		if g != w {
			t.Errorf("call %d: %+v, want %+v", i, got[i], w)
		}
	}
}

func TestToolCallsFromTheFake(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	paris := llmtest.ToolCall{ID: "call_a", Name: "get_weather", Arguments: `{"city": "Paris"}`}
	oslo := llmtest.ToolCall{ID: "call_b", Name: "get_weather", Arguments: `{"city": "Oslo", "units": "°C"}`}
	cases := []struct {
		name      string
		steps     []llmtest.Step
		reasoning string
		content   string
		want      []llm.ToolCall
	}{
		{
			name:  "one call",
			steps: []llmtest.Step{{ToolCalls: []llmtest.ToolCall{paris}}},
			want:  []llm.ToolCall{{ID: "call_a", Name: "get_weather", Arguments: `{"city": "Paris"}`}},
		},
		{
			name: "two parallel calls, text and reasoning before them",
			steps: []llmtest.Step{
				{Reasoning: "Two cities. "},
				{Content: "Let me look "},
				{Content: "both up.", ToolCalls: []llmtest.ToolCall{paris, oslo}},
			},
			reasoning: "Two cities. ",
			content:   "Let me look both up.",
			want: []llm.ToolCall{
				{ID: "call_a", Name: "get_weather", Arguments: `{"city": "Paris"}`},
				{ID: "call_b", Name: "get_weather", Arguments: `{"city": "Oslo", "units": "°C"}`},
			},
		},
		{
			name: "calls without ids, in two steps",
			steps: []llmtest.Step{
				{ToolCalls: []llmtest.ToolCall{{Name: "get_weather", Arguments: `{"city":"Rome"}`}}},
				{ToolCalls: []llmtest.ToolCall{{Name: "get_time", Arguments: ``}}},
			},
			want: []llm.ToolCall{{Name: "get_weather", Arguments: `{"city":"Rome"}`}, {Name: "get_time", Arguments: ""}},
		},
		{
			name:  "malformed arguments pass through",
			steps: []llmtest.Step{{ToolCalls: []llmtest.ToolCall{{ID: "c1", Name: "get_weather", Arguments: `{"city": "Par`}}}},
			want:  []llm.ToolCall{{ID: "c1", Name: "get_weather", Arguments: `{"city": "Par`}},
		},
	}
	formats := []struct {
		name, format string
		ollama       bool
	}{
		{"reasoning_content", llmtest.FormatReasoningContent, false},
		{"think tags", llmtest.FormatThink, false},
		{"ollama /v1", llmtest.FormatOllama, false},
		{"ollama native", "", true},
	}
	for _, tc := range cases {
		for _, f := range formats {
			t.Run(tc.name+"/"+f.name, func(t *testing.T) {
				srv.SetDefault(llmtest.Script{Format: f.format, Steps: tc.steps})
				p := openAIFor(t, srv)
				if f.ollama {
					p = ollamaFor(t, srv)
				}
				s := streamAll(t, p, askWithTools("qwen3:8b", "weather?", weatherTool))
				if s.err != nil {
					t.Fatal(s.err)
				}
				want := tc.want
				if f.ollama {
					// Ollama parsed the arguments; they come back as
					// compact JSON text.
					want = append([]llm.ToolCall(nil), tc.want...)
					for i := range want {
						var b bytes.Buffer
						if json.Compact(&b, []byte(want[i].Arguments)) == nil {
							want[i].Arguments = b.String()
						}
					}
				}
				sameCalls(t, s.calls(t), want)
				if got := s.text(llm.EventContent); got != tc.content {
					t.Errorf("content %q, want %q", got, tc.content)
				}
				if got := s.text(llm.EventReasoning); got != tc.reasoning {
					t.Errorf("reasoning %q, want %q", got, tc.reasoning)
				}
				// Text first, then the calls, then usage.
				shape := s.shape()
				if !strings.HasSuffix(shape, "tool_calls usage") {
					t.Errorf("events %q do not end in tool_calls, usage", shape)
				}
			})
		}
	}
}

// Streams as real servers write them, beyond what the fake does.
func TestToolCallAssemblyQuirks(t *testing.T) {
	chunk := func(delta string) string {
		return `data: {"choices":[{"index":0,"delta":` + delta + `,"finish_reason":null}]}` + "\n\n"
	}
	end := `data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}` + "\n\n" + "data: [DONE]\n\n"
	cases := []struct {
		name    string
		lines   []string
		content string
		want    []llm.ToolCall
	}{
		{
			name: "whole call in one chunk",
			lines: []string{
				chunk(`{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}`),
				end,
			},
			want: []llm.ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris"}`}},
		},
		{
			name: "llama.cpp repeats the id in every fragment",
			lines: []string{
				chunk(`{"tool_calls":[{"index":0,"id":"X1","type":"function","function":{"name":"get_weather","arguments":""}}]}`),
				chunk(`{"tool_calls":[{"index":0,"id":"X1","type":"function","function":{"arguments":"{\"city\":"}}]}`),
				chunk(`{"tool_calls":[{"index":0,"id":"X1","type":"function","function":{"arguments":"\"Oslo\"}"}}]}`),
				end,
			},
			want: []llm.ToolCall{{ID: "X1", Name: "get_weather", Arguments: `{"city":"Oslo"}`}},
		},
		{
			name: "no index: a new id is a new call",
			lines: []string{
				chunk(`{"tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{\"n\":"}}]}`),
				chunk(`{"tool_calls":[{"function":{"arguments":"1}"}}]}`),
				chunk(`{"tool_calls":[{"id":"b","type":"function","function":{"name":"g","arguments":"{}"}}]}`),
				end,
			},
			want: []llm.ToolCall{{ID: "a", Name: "f", Arguments: `{"n":1}`}, {ID: "b", Name: "g", Arguments: `{}`}},
		},
		{
			name: "every call numbered 0, told apart by id",
			lines: []string{
				chunk(`{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{}"}}]}`),
				chunk(`{"tool_calls":[{"index":0,"id":"b","function":{"name":"g","arguments":"{}"}}]}`),
				end,
			},
			want: []llm.ToolCall{{ID: "a", Name: "f", Arguments: `{}`}, {ID: "b", Name: "g", Arguments: `{}`}},
		},
		{
			name: "indexes out of order, no ids, text first",
			lines: []string{
				chunk(`{"content":"Checking."}`),
				chunk(`{"tool_calls":[{"index":1,"function":{"name":"second","arguments":"{\"b\""}}]}`),
				chunk(`{"tool_calls":[{"index":0,"function":{"name":"first","arguments":"{\"a\":1}"}}]}`),
				chunk(`{"tool_calls":[{"index":1,"function":{"arguments":":2}"}}]}`),
				end,
			},
			content: "Checking.",
			want:    []llm.ToolCall{{Name: "first", Arguments: `{"a":1}`}, {Name: "second", Arguments: `{"b":2}`}},
		},
		{
			name: "several calls in one chunk",
			lines: []string{
				chunk(`{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{}"}},{"index":1,"id":"b","function":{"name":"g","arguments":"{}"}}]}`),
				end,
			},
			want: []llm.ToolCall{{ID: "a", Name: "f", Arguments: `{}`}, {ID: "b", Name: "g", Arguments: `{}`}},
		},
		{
			name: "arguments sent as an object",
			lines: []string{
				chunk(`{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":{"city": "Rome"}}}]}`),
				end,
			},
			want: []llm.ToolCall{{ID: "a", Name: "f", Arguments: `{"city":"Rome"}`}},
		},
		{
			name: "no [DONE] after finish_reason",
			lines: []string{
				chunk(`{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{}"}}]}`),
				`data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}` + "\n\n",
			},
			want: []llm.ToolCall{{ID: "a", Name: "f", Arguments: `{}`}},
		},
		{
			name: "not streamed: message.tool_calls",
			lines: []string{`{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[` +
				`{"id":"a","type":"function","function":{"name":"f","arguments":"{\"q\":1}"}},` +
				`{"type":"function","function":{"name":"g","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}`},
			want: []llm.ToolCall{{ID: "a", Name: "f", Arguments: `{"q":1}`}, {Name: "g", Arguments: `{}`}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := handler(t, func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(tc.lines[0], "{") {
					w.Header().Set("Content-Type", "application/json")
					io.WriteString(w, tc.lines[0])
					return
				}
				sse(w, tc.lines...)
			})
			s := streamAll(t, provider(t, llm.KindOpenAI, url), askWithTools("m", "go", weatherTool))
			if s.err != nil {
				t.Fatal(s.err)
			}
			sameCalls(t, s.calls(t), tc.want)
			if got := s.text(llm.EventContent); got != tc.content {
				t.Errorf("content %q, want %q", got, tc.content)
			}
			if !strings.HasSuffix(s.shape(), "tool_calls") {
				t.Errorf("events %q", s.shape())
			}
		})
	}
}

func TestOllamaToolCallQuirks(t *testing.T) {
	cases := []struct {
		name  string
		lines []string
		want  []llm.ToolCall
	}{
		{
			name: "old Ollama: no id, call beside the final line",
			lines: []string{
				`{"model":"m","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":{"b": [1, 2], "a": "x"}}}]},"done":false}`,
				`{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}`,
			},
			want: []llm.ToolCall{{Name: "f", Arguments: `{"b":[1,2],"a":"x"}`}},
		},
		{
			name: "new Ollama: ids and indexes, calls over two lines",
			lines: []string{
				`{"model":"m","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_2","function":{"index":1,"name":"g","arguments":{}}},{"id":"call_1","function":{"index":0,"name":"f"}}]},"done":false}`,
				`{"model":"m","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_3","function":{"index":2,"name":"h","arguments":{"z":null}}}]},"done":false}`,
				`{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}`,
			},
			want: []llm.ToolCall{{ID: "call_1", Name: "f", Arguments: `{}`}, {ID: "call_2", Name: "g", Arguments: `{}`}, {ID: "call_3", Name: "h", Arguments: `{"z":null}`}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := handler(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/x-ndjson")
				io.WriteString(w, strings.Join(tc.lines, "\n")+"\n")
			})
			s := streamAll(t, provider(t, llm.KindOllama, strings.TrimSuffix(url, "/v1")), askWithTools("m", "go", weatherTool))
			if s.err != nil {
				t.Fatal(s.err)
			}
			sameCalls(t, s.calls(t), tc.want)
		})
	}
}

// A request carries the tools, and a later one the calls and their results,
// in each wire format's own shape.
func TestToolsAndHistoryOnTheWire(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	noParams := llm.Tool{Name: "get_time"}
	history := []llm.Message{
		{Role: "user", Content: "Weather in Paris and the time?"},
		{Role: "assistant", ToolCalls: []llm.ToolCall{
			{ID: "call_a", Name: "get_weather", Arguments: `{"city":"Paris"}`},
			{ID: "call_b", Name: "get_time", Arguments: `{"tz": broken`},
		}},
		{Role: "tool", ToolCallID: "call_a", ToolName: "get_weather", Content: "18 °C, cloudy"},
		{Role: "tool", ToolCallID: "call_b", ToolName: "get_time", Content: "arguments were not valid JSON"},
		{Role: "assistant", Content: "Checking once more.", ToolCalls: []llm.ToolCall{{ID: "call_c", Name: "get_time"}}},
		{Role: "tool", ToolCallID: "call_c", ToolName: "get_time", Content: "12:00"},
	}
	for _, kind := range []string{llm.KindOpenAI, llm.KindOllama} {
		t.Run(kind, func(t *testing.T) {
			p := openAIFor(t, srv)
			if kind == llm.KindOllama {
				p = ollamaFor(t, srv)
			}
			s := streamAll(t, p, llm.Request{Model: "qwen3:8b", Messages: history, Tools: []llm.Tool{weatherTool, noParams}})
			if s.err != nil {
				t.Fatal(s.err)
			}
			reqs := srv.Requests()
			rec := reqs[len(reqs)-1]
			wantTools := []llmtest.RecordedTool{
				{Name: "get_weather", Description: "Current weather of a city", Parameters: weatherTool.Parameters},
				{Name: "get_time", Parameters: json.RawMessage(`{"type":"object","properties":{}}`)},
			}
			if !reflect.DeepEqual(rec.Tools, wantTools) {
				t.Errorf("tools %+v, want %+v", rec.Tools, wantTools)
			}
			var raw struct {
				Tools []struct {
					Type string `json:"type"`
				} `json:"tools"`
				Messages []map[string]json.RawMessage `json:"messages"`
			}
			if err := json.Unmarshal(rec.Body, &raw); err != nil {
				t.Fatal(err)
			}
			if len(raw.Tools) != 2 || raw.Tools[0].Type != "function" {
				t.Errorf("tools on the wire: %+v", raw.Tools)
			}
			brokenArgs, emptyArgs := `{"tz": broken`, "{}"
			if kind == llm.KindOllama {
				brokenArgs = "{}" // Ollama takes an object only
			}
			want := []llmtest.RecordedMessage{
				{Role: "user", Content: "Weather in Paris and the time?"},
				{Role: "assistant", ToolCalls: []llmtest.RecordedToolCall{
					{ID: "call_a", Name: "get_weather", Arguments: `{"city":"Paris"}`},
					{ID: "call_b", Name: "get_time", Arguments: brokenArgs},
				}},
				{Role: "tool", ToolCallID: "call_a", Content: "18 °C, cloudy"},
				{Role: "tool", ToolCallID: "call_b", Content: "arguments were not valid JSON"},
				{Role: "assistant", Content: "Checking once more.", ToolCalls: []llmtest.RecordedToolCall{{ID: "call_c", Name: "get_time", Arguments: emptyArgs}}},
				{Role: "tool", ToolCallID: "call_c", Content: "12:00"},
			}
			if kind == llm.KindOllama {
				// Ollama pairs results by tool name; its calls carry no id.
				for i := range want {
					for j := range want[i].ToolCalls {
						want[i].ToolCalls[j].ID = ""
					}
					if want[i].Role == "tool" {
						want[i].ToolName, want[i].ToolCallID = history[i].ToolName, ""
					}
				}
			}
			if !reflect.DeepEqual(rec.Messages, want) {
				t.Errorf("messages\n%+v\nwant\n%+v", rec.Messages, want)
			}
			content := string(raw.Messages[1]["content"])
			switch kind {
			case llm.KindOpenAI:
				if content != "null" {
					t.Errorf("assistant content beside calls is %s, want null", content)
				}
				if string(raw.Messages[1]["tool_calls"]) == "" || !strings.Contains(string(raw.Messages[1]["tool_calls"]), `"arguments":"{\"city\":\"Paris\"}"`) {
					t.Errorf("tool_calls %s: arguments must be a string", raw.Messages[1]["tool_calls"])
				}
			case llm.KindOllama:
				if content != `""` {
					t.Errorf("assistant content beside calls is %s", content)
				}
				if !strings.Contains(string(raw.Messages[1]["tool_calls"]), `"arguments":{"city":"Paris"}`) {
					t.Errorf("tool_calls %s: arguments must be an object", raw.Messages[1]["tool_calls"])
				}
			}
		})
	}
}

func TestNoToolsNoToolsKey(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	for _, kind := range []string{llm.KindOpenAI, llm.KindOllama} {
		t.Run(kind, func(t *testing.T) {
			p := openAIFor(t, srv)
			if kind == llm.KindOllama {
				p = ollamaFor(t, srv)
			}
			req := userAsks("qwen3:8b", "hi")
			req.Tools = []llm.Tool{}
			if s := streamAll(t, p, req); s.err != nil || s.calls(t) != nil {
				t.Fatalf("err %v, calls %+v", s.err, s.calls(t))
			}
			reqs := srv.Requests()
			var body map[string]json.RawMessage
			if err := json.Unmarshal(reqs[len(reqs)-1].Body, &body); err != nil {
				t.Fatal(err)
			}
			if _, ok := body["tools"]; ok {
				t.Fatalf("a request without tools carries tools: %s", body["tools"])
			}
			for _, m := range reqs[len(reqs)-1].Messages {
				if m.ToolCalls != nil || m.ToolCallID != "" || m.ToolName != "" {
					t.Fatalf("message %+v carries tool fields", m)
				}
			}
		})
	}
}

// A server that refuses tools answers with ErrToolsUnsupported at once: no
// retry here, and not taken for a refusal of reasoning or stream_options.
func TestToolsRefusedByTheFake(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.SetDefault(llmtest.Script{Fail: llmtest.FailNoTools, Steps: []llmtest.Step{
		{Content: "Plain answer."}, {ToolCalls: []llmtest.ToolCall{{Name: "get_weather", Arguments: "{}"}}},
	}})
	cases := []struct {
		kind, say string
	}{
		{llm.KindOpenAI, "--jinja"},
		{llm.KindOllama, "does not support tools"},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			p := openAIFor(t, srv)
			if tc.kind == llm.KindOllama {
				p = ollamaFor(t, srv)
			}
			before := len(srv.Requests())
			req := askWithTools("gemma3:1b", "weather?", weatherTool)
			req.ReasoningEffort = "high"
			s := streamAll(t, p, req)
			if !errors.Is(s.err, llm.ErrToolsUnsupported) {
				t.Fatalf("error %v is not ErrToolsUnsupported", s.err)
			}
			var e *llm.Error
			if !errors.As(s.err, &e) || e.Code != llm.CodeToolsUnsupported || e.Status != 400 {
				t.Fatalf("error %#v", s.err)
			}
			if !strings.Contains(e.Message, "cannot use tools") || !strings.Contains(e.Message, tc.say) || !strings.Contains(e.Message, srv.URL) {
				t.Errorf("message %q", e.Message)
			}
			if n := len(srv.Requests()) - before; n != 1 {
				t.Errorf("%d requests, want 1: a tools refusal is not retried inside llm", n)
			}
			if errors.Is(&llm.Error{Code: llm.CodeBadRequest}, llm.ErrToolsUnsupported) {
				t.Error("any bad request matches ErrToolsUnsupported")
			}

			// Asked again without tools (what the caller does), it answers.
			req.Tools = nil
			s = streamAll(t, p, req)
			if s.err != nil || s.text(llm.EventContent) != "Plain answer." || s.calls(t) != nil {
				t.Fatalf("without tools: err %v, content %q, calls %+v", s.err, s.text(llm.EventContent), s.calls(t))
			}
		})
	}
}

// Other servers' words for the same refusal, and statuses other than 400.
func TestToolsRefusedByOtherServers(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		ollama bool
	}{
		// Words that the retries of reasoning_effort and think look for
		// too: the tools refusal must win.
		{"naming reasoning", 400, `{"error":{"message":"tool use is not supported for reasoning models"}}`, false},
		{"naming thinking, Ollama", 400, `{"error":"thinking models here do not support tools"}`, true},
		{"vLLM without a tool parser", 400, `{"object":"error","message":"\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set","type":"BadRequestError","param":null,"code":400}`, false},
		{"Ollama /v1", 400, `{"error":{"message":"registry.ollama.ai/library/gemma3:1b does not support tools","type":"api_error","param":null,"code":null}}`, false},
		{"llama.cpp as a 500", 500, `{"error":{"code":500,"message":"tools param requires --jinja flag","type":"server_error"}}`, false},
		{"a proxy", 422, `{"detail":"Tool use is not supported for this model."}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			url := handler(t, func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			req := askWithTools("m", "go", weatherTool)
			req.ReasoningEffort = "low"
			p := provider(t, llm.KindOpenAI, url)
			if tc.ollama {
				p = provider(t, llm.KindOllama, url)
			}
			s := streamAll(t, p, req)
			if !errors.Is(s.err, llm.ErrToolsUnsupported) || llm.CodeOf(s.err) != llm.CodeToolsUnsupported {
				t.Fatalf("error %v is not ErrToolsUnsupported", s.err)
			}
			if hits.Load() != 1 {
				t.Errorf("%d requests, want 1", hits.Load())
			}
		})
	}
	// Without tools in the request, the same words are an ordinary failure.
	url := handler(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		io.WriteString(w, `{"error":"model does not support tools"}`)
	})
	s := streamAll(t, provider(t, llm.KindOpenAI, url), userAsks("m", "hi"))
	if errors.Is(s.err, llm.ErrToolsUnsupported) || llm.CodeOf(s.err) != llm.CodeBadRequest {
		t.Fatalf("without tools: %v (code %q)", s.err, llm.CodeOf(s.err))
	}
}
