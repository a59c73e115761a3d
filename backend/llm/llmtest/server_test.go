package llmtest

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, url, body string) *http.Response {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// sseDatas reads the data payloads of an SSE response.
func sseDatas(t *testing.T, resp *http.Response) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

const chatBody = `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello"}]}`

// The chunks are chat.completion.chunk objects as servers send them: id,
// object, created, model, choices[0].delta, finish_reason; a usage chunk
// with empty choices; then [DONE].
func TestOpenAIWireFormat(t *testing.T) {
	s := New()
	defer s.Close()
	resp := post(t, s.URL+"/v1/chat/completions", chatBody)
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	datas := sseDatas(t, resp)
	if len(datas) < 4 || datas[len(datas)-1] != "[DONE]" {
		t.Fatalf("stream %q", datas)
	}
	var reasoning, content strings.Builder
	var finish []string
	for i, d := range datas[:len(datas)-1] {
		var c struct {
			ID      string `json:"id"`
			Object  string `json:"object"`
			Created int64  `json:"created"`
			Model   string `json:"model"`
			Choices []struct {
				Delta struct {
					Content          *string `json:"content"`
					ReasoningContent *string `json:"reasoning_content"`
				} `json:"delta"`
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
			Usage *struct {
				TotalTokens int `json:"total_tokens"`
			} `json:"usage"`
		}
		if err := json.Unmarshal([]byte(d), &c); err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
		if c.ID == "" || c.Object != "chat.completion.chunk" || c.Created == 0 || c.Model != "m" {
			t.Fatalf("chunk %d header: %s", i, d)
		}
		if i == len(datas)-2 {
			if len(c.Choices) != 0 || c.Usage == nil || c.Usage.TotalTokens == 0 {
				t.Fatalf("usage chunk: %s", d)
			}
			continue
		}
		if len(c.Choices) != 1 {
			t.Fatalf("chunk %d choices: %s", i, d)
		}
		ch := c.Choices[0]
		if ch.Delta.Content != nil {
			content.WriteString(*ch.Delta.Content)
		}
		if ch.Delta.ReasoningContent != nil {
			reasoning.WriteString(*ch.Delta.ReasoningContent)
		}
		if ch.FinishReason != nil {
			finish = append(finish, *ch.FinishReason)
		}
	}
	if reasoning.String() == "" || content.String() != "Hello from llmtest." || len(finish) != 1 || finish[0] != "stop" {
		t.Fatalf("reasoning %q content %q finish %q", reasoning.String(), content.String(), finish)
	}
}

func TestThinkFormats(t *testing.T) {
	s := New()
	defer s.Close()
	steps := []Step{{Reasoning: "a"}, {Reasoning: "b"}, {Content: "c"}, {Reasoning: "d"}, {Content: "e"}}
	for format, want := range map[string]string{
		FormatThink:       "<think>ab</think>c<think>d</think>e",
		FormatThinkNoOpen: "ab</think>c<think>d</think>e",
	} {
		s.SetDefault(Script{Format: format, Steps: steps})
		var text strings.Builder
		for _, d := range sseDatas(t, post(t, s.URL+"/v1/chat/completions", chatBody)) {
			var c struct {
				Choices []struct {
					Delta struct {
						Content string `json:"content"`
					} `json:"delta"`
				} `json:"choices"`
			}
			if d != "[DONE]" && json.Unmarshal([]byte(d), &c) == nil && len(c.Choices) > 0 {
				text.WriteString(c.Choices[0].Delta.Content)
			}
		}
		if text.String() != want {
			t.Errorf("%s: content %q, want %q", format, text.String(), want)
		}
	}
}

func TestOllamaWireFormat(t *testing.T) {
	s := New()
	defer s.Close()
	resp := post(t, s.URL+"/api/chat", `{"model":"qwen3","messages":[{"role":"user","content":"hi","images":["iVBORw0KGgo="]}],"think":true}`)
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) < 2 {
		t.Fatalf("%d lines", len(lines))
	}
	first, last := lines[0], lines[len(lines)-1]
	if first["model"] != "qwen3" || first["created_at"] == nil || first["done"] != false {
		t.Fatalf("first line %v", first)
	}
	if msg, _ := first["message"].(map[string]any); msg["thinking"] == nil || msg["role"] != "assistant" {
		t.Fatalf("first message %v", first["message"])
	}
	if last["done"] != true || last["done_reason"] != "stop" || last["eval_count"] == nil || last["prompt_eval_count"] == nil {
		t.Fatalf("last line %v", last)
	}
	img := s.Requests()[0].Messages[0].Images
	if len(img) != 1 || img[0].MIME != "image/png" || img[0].Size != 8 {
		t.Fatalf("recorded image %+v", img)
	}
}

func TestRulesAndRecording(t *testing.T) {
	s := New()
	defer s.Close()
	s.On("weather", Script{Steps: []Step{{Content: "general"}}})
	s.On("weather in Paris", Script{Steps: []Step{{Content: "specific"}}})
	s.Use(func(r RecordedRequest) (Script, bool) {
		return Script{Steps: []Step{{Content: "echo " + r.LastUser()}}}, strings.HasPrefix(r.LastUser(), "echo:")
	})
	ask := func(prompt string) RecordedRequest {
		s.SetDefault(Script{Steps: []Step{{Content: "default"}}})
		body, _ := json.Marshal(map[string]any{"model": "m", "stream": true, "messages": []any{
			map[string]any{"role": "user", "content": prompt},
		}})
		sseDatas(t, post(t, s.URL+"/v1/chat/completions", string(body)))
		reqs := s.Requests()
		return reqs[len(reqs)-1]
	}
	for prompt, want := range map[string]string{
		"weather in Rome?":  "general",
		"weather in Paris?": "specific",
		"echo: x":           "echo echo: x",
		"anything":          "default",
	} {
		rec := ask(prompt)
		if rec.LastUser() != prompt {
			t.Fatalf("recorded %q", rec.LastUser())
		}
		if got := s.script(rec).Steps[0].Content; got != want {
			t.Errorf("%q answered by %q, want %q", prompt, got, want)
		}
	}
}

func TestUnknownPathAndBadJSON(t *testing.T) {
	s := New()
	defer s.Close()
	resp, err := http.Get(s.URL + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
	bad := post(t, s.URL+"/v1/chat/completions", "{not json")
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if bad.StatusCode != http.StatusBadRequest || json.NewDecoder(bad.Body).Decode(&e) != nil || e.Error.Message == "" {
		t.Fatalf("bad JSON: status %d error %q", bad.StatusCode, e.Error.Message)
	}
}

// Close ends streams that would otherwise hang forever.
func TestCloseEndsStalledStreams(t *testing.T) {
	s := New()
	s.SetDefault(Script{Fail: FailStallHeader})
	go func() {
		resp, err := http.Post(s.URL+"/api/chat", "application/json", strings.NewReader(`{"model":"m"}`))
		if err == nil {
			resp.Body.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitRequests(ctx, 1); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hung on a stalled stream")
	}
	if s.CancelledCount() != 0 {
		t.Fatalf("closing counted as a client cancel: %d", s.CancelledCount())
	}
}

func TestChunksAndSteps(t *testing.T) {
	text := "one two three four five"
	if got := strings.Join(Chunks(text, 5), ""); got != text {
		t.Fatalf("chunks lose text: %q", got)
	}
	if n := len(Chunks(text, 1)); n != 5 {
		t.Fatalf("%d chunks of size 1", n)
	}
	steps := Steps("r1 r2", "c1", 1, time.Millisecond)
	if len(steps) != 3 || steps[0].Reasoning != "r1 " || steps[2].Content != "c1" || steps[2].Delay != time.Millisecond {
		t.Fatalf("steps %+v", steps)
	}
}
