package llm_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// result is everything one Stream produced.
type result struct {
	reasoning, content string
	usage              *llm.Usage
	kinds              []llm.EventKind
	err                error
}

func collect(t *testing.T, p llm.Provider, req llm.Request) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var r result
	var rb, cb strings.Builder
	r.err = p.Stream(ctx, req, func(ev llm.Event) error {
		r.kinds = append(r.kinds, ev.Kind)
		switch ev.Kind {
		case llm.EventReasoning:
			rb.WriteString(ev.Text)
		case llm.EventContent:
			cb.WriteString(ev.Text)
		case llm.EventUsage:
			r.usage = ev.Usage
		default:
			t.Errorf("event of unknown kind %v", ev.Kind)
		}
		return nil
	})
	r.reasoning, r.content = rb.String(), cb.String()
	return r
}

func provider(t *testing.T, kind, baseURL string, mod ...func(*llm.Config)) llm.Provider {
	t.Helper()
	cfg := llm.Config{Kind: kind, BaseURL: baseURL, IdleTimeout: 5 * time.Second}
	for _, m := range mod {
		m(&cfg)
	}
	p, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func openAIFor(t *testing.T, srv *llmtest.Server, mod ...func(*llm.Config)) llm.Provider {
	return provider(t, llm.KindOpenAI, srv.URL+"/v1", mod...)
}

func ollamaFor(t *testing.T, srv *llmtest.Server, mod ...func(*llm.Config)) llm.Provider {
	return provider(t, llm.KindOllama, srv.URL, mod...)
}

func userAsks(model, text string) llm.Request {
	return llm.Request{Model: model, Messages: []llm.Message{{Role: "user", Content: text}}}
}

// reasoningFirst checks the events came as reasoning, then answer, then usage.
func reasoningFirst(t *testing.T, kinds []llm.EventKind) {
	t.Helper()
	last := llm.EventKind(0)
	for _, k := range kinds {
		if k < last {
			t.Fatalf("events out of order: %v", kinds)
		}
		last = k
	}
}

const (
	thought = "The user wants a number. Forty-two is traditional."
	answer  = "The answer is **42**."
)

func TestStreamFormats(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	usage := &llm.Usage{PromptTokens: 11, CompletionTokens: 22, TotalTokens: 33}
	cases := []struct {
		format, model string
		ollama        bool
	}{
		{llmtest.FormatReasoningContent, "deepseek-chat", false},
		{llmtest.FormatReasoning, "qwen3:8b", false},
		{llmtest.FormatOllama, "qwen3:8b", false},
		{llmtest.FormatThink, "qwen3:8b", false},
		{llmtest.FormatThinkNoOpen, llmtest.ModelR1, false},
		{"", "qwen3:8b", true},
	}
	for _, tc := range cases {
		name := tc.format
		if tc.ollama {
			name = "ollama-native"
		}
		t.Run(name, func(t *testing.T) {
			srv.SetDefault(llmtest.Script{Format: tc.format, Steps: llmtest.Steps(thought, answer, 4, 0), Usage: usage})
			p := openAIFor(t, srv)
			if tc.ollama {
				p = ollamaFor(t, srv)
			}
			r := collect(t, p, userAsks(tc.model, "What is the answer?"))
			if r.err != nil {
				t.Fatal(r.err)
			}
			if r.reasoning != thought || r.content != answer {
				t.Fatalf("reasoning %q, content %q", r.reasoning, r.content)
			}
			if r.usage == nil || *r.usage != *usage {
				t.Fatalf("usage %+v, want %+v", r.usage, usage)
			}
			reasoningFirst(t, r.kinds)
			reqs := srv.Requests()
			last := reqs[len(reqs)-1]
			if !last.Stream || last.Model != tc.model {
				t.Fatalf("request: stream %v model %q", last.Stream, last.Model)
			}
			if tc.ollama {
				if last.Path != "/api/chat" || last.Think != "true" {
					t.Fatalf("ollama request: path %q think %q", last.Path, last.Think)
				}
			} else if last.Path != "/v1/chat/completions" || !last.IncludeUsage {
				t.Fatalf("openai request: path %q include_usage %v", last.Path, last.IncludeUsage)
			}
		})
	}
}

// Without a model name that announces an R1-style template, a missing
// opening tag is not guessed: the text stays answer (minus the stray tag),
// and the first tokens are not held back.
func TestThinkNoOpenNeedsReasoningModel(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.SetDefault(llmtest.Script{Format: llmtest.FormatThinkNoOpen, Steps: llmtest.Steps(thought, answer, 4, 0)})
	r := collect(t, openAIFor(t, srv), userAsks("llama3.2", "hi"))
	if r.err != nil || r.reasoning != "" || r.content != thought+answer {
		t.Fatalf("err %v reasoning %q content %q", r.err, r.reasoning, r.content)
	}
}

func TestThinkTagsSplitAcrossChunks(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.SetDefault(llmtest.Script{Steps: []llmtest.Step{
		{Content: "\n<thi"}, {Content: "nk>\nplan"}, {Content: " more</th"}, {Content: "ink>\n\nDo"}, {Content: "ne <"}, {Content: "b>"},
	}})
	r := collect(t, openAIFor(t, srv), userAsks("m", "hi"))
	if r.err != nil || r.reasoning != "\n\nplan more" || r.content != "\n\nDone <b>" {
		t.Fatalf("err %v reasoning %q content %q", r.err, r.reasoning, r.content)
	}
}

func TestReasoningEffort(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	req := userAsks("gpt-oss:20b", "hi")
	req.ReasoningEffort = "high"
	if r := collect(t, openAIFor(t, srv), req); r.err != nil {
		t.Fatal(r.err)
	}
	if r := collect(t, ollamaFor(t, srv), req); r.err != nil {
		t.Fatal(r.err)
	}
	reqs := srv.Requests()
	if reqs[0].ReasoningEffort != "high" || reqs[1].Think != `"high"` {
		t.Fatalf("effort sent as %q (openai) and think %q (ollama)", reqs[0].ReasoningEffort, reqs[1].Think)
	}
}

// A model without thinking refuses think/reasoning_effort with a 400; the
// client drops the option and the chat still works.
func TestNoThinkingFallback(t *testing.T) {
	for _, native := range []bool{false, true} {
		srv := llmtest.New()
		srv.SetDefault(llmtest.Script{Fail: llmtest.FailNoThinking, Steps: llmtest.Steps("hidden", answer, 5, 0)})
		p := openAIFor(t, srv)
		req := userAsks("llama3.2", "hi")
		req.ReasoningEffort = "medium"
		if native {
			p = ollamaFor(t, srv)
		}
		r := collect(t, p, req)
		if r.err != nil || r.content != answer || r.reasoning != "" {
			t.Fatalf("native=%v: err %v content %q reasoning %q", native, r.err, r.content, r.reasoning)
		}
		reqs := srv.Requests()
		last := reqs[len(reqs)-1]
		if last.ReasoningEffort != "" || (last.Think != "" && last.Think != "false") {
			t.Fatalf("native=%v: last attempt still asked for thinking: %+v", native, last)
		}
		srv.Close()
	}
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImagesVideosAndNoReasoningResent(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	pic := pngBytes(t)
	req := llm.Request{Model: "llava", Messages: []llm.Message{
		{Role: "system", Content: "Be brief."},
		{Role: "user", Content: "Earlier question"},
		{Role: "assistant", Content: "Earlier answer", Reasoning: "earlier private thoughts"},
		{Role: "user", Content: "What is in these?", Images: []llm.Image{{MIME: "image/png", Data: pic}, {Data: pic}}, Videos: []string{"clip.mp4"}},
	}}
	for _, p := range []llm.Provider{openAIFor(t, srv), ollamaFor(t, srv)} {
		if r := collect(t, p, req); r.err != nil {
			t.Fatalf("%s: %v", p.Name(), r.err)
		}
	}
	for _, rec := range srv.Requests() {
		if len(rec.Messages) != 4 {
			t.Fatalf("%s: %d messages", rec.Path, len(rec.Messages))
		}
		if rec.Messages[2].ReasoningSent {
			t.Errorf("%s: past reasoning was sent back", rec.Path)
		}
		m := rec.Messages[3]
		if len(m.Images) != 2 {
			t.Fatalf("%s: %d images", rec.Path, len(m.Images))
		}
		for _, img := range m.Images {
			if img.MIME != "image/png" || img.Sniffed != "image/png" || img.Size != len(pic) {
				t.Errorf("%s: image arrived as %+v", rec.Path, img)
			}
		}
		if !strings.Contains(m.Content, "What is in these?") || !strings.Contains(m.Content, "[video attached: clip.mp4 — this model cannot see videos]") {
			t.Errorf("%s: content %q", rec.Path, m.Content)
		}
	}
}

func TestAPIKey(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.RequireAPIKey("sk-test")
	withKey := openAIFor(t, srv, func(c *llm.Config) { c.APIKey = "sk-test" })
	if r := collect(t, withKey, userAsks("m", "hi")); r.err != nil {
		t.Fatal(r.err)
	}
	if got := srv.Requests()[0].Header.Get("Authorization"); got != "Bearer sk-test" {
		t.Fatalf("Authorization %q", got)
	}
	r := collect(t, openAIFor(t, srv), userAsks("m", "hi"))
	var e *llm.Error
	if !errors.As(r.err, &e) || e.Code != llm.CodeAuth || e.Status != 401 || !strings.Contains(e.Message, "API key") {
		t.Fatalf("without key: %#v", r.err)
	}
	if _, err := openAIFor(t, srv).Models(context.Background()); llm.CodeOf(err) != llm.CodeAuth {
		t.Fatalf("models without key: %v", err)
	}
}

func TestModels(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	ctx := context.Background()
	ms, err := openAIFor(t, srv).Models(ctx)
	if err != nil || len(ms) != 2 || ms[0].ID != llmtest.ModelChat || ms[1].ID != llmtest.ModelR1 || ms[0].OwnedBy == "" {
		t.Fatalf("openai models %+v, %v", ms, err)
	}
	srv.SetModels("llama3.2:3b", "qwen3:8b", "gpt-oss:20b")
	ms, err = ollamaFor(t, srv).Models(ctx)
	if err != nil || len(ms) != 3 || ms[2].ID != "gpt-oss:20b" || ms[0].Size <= 0 {
		t.Fatalf("ollama models %+v, %v", ms, err)
	}
}

func TestBaseURLs(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	// Ollama native accepts the OpenAI-style URL people copy around.
	p := provider(t, llm.KindOllama, srv.URL+"/v1/")
	if p.BaseURL() != srv.URL || p.Name() != "ollama" {
		t.Fatalf("base %q name %q", p.BaseURL(), p.Name())
	}
	if r := collect(t, p, userAsks("m", "hi")); r.err != nil {
		t.Fatal(r.err)
	}
	// An OpenAI URL with no path gets /v1.
	bare := provider(t, "", strings.TrimPrefix(srv.URL, "http://"))
	if bare.BaseURL() != srv.URL+"/v1" || bare.Name() != "openai" {
		t.Fatalf("base %q name %q", bare.BaseURL(), bare.Name())
	}
	if _, err := llm.New(llm.Config{Kind: "anthropic"}); err == nil {
		t.Fatal("unknown kind accepted")
	}
	if _, err := llm.New(llm.Config{BaseURL: "ftp://x"}); err == nil {
		t.Fatal("ftp URL accepted")
	}
}

// A server that speaks too slowly for its consumer is not stalled: the idle
// clock only runs while waiting on the server.
func TestSlowConsumerIsNotAStall(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.SetDefault(llmtest.Script{Steps: llmtest.Steps("", "one two three four", 100, 0)})
	p := openAIFor(t, srv, func(c *llm.Config) { c.IdleTimeout = time.Second })
	var content strings.Builder
	err := p.Stream(context.Background(), userAsks("m", "hi"), func(ev llm.Event) error {
		time.Sleep(1500 * time.Millisecond)
		content.WriteString(ev.Text)
		return nil
	})
	if err != nil || content.String() != "one two three four" {
		t.Fatalf("err %v content %q", err, content.String())
	}
}

// A dead port, found by listening and closing.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}
