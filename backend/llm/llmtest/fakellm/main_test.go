package main

import (
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

func ask(prompt string, images ...llmtest.RecordedImage) llmtest.RecordedRequest {
	return llmtest.RecordedRequest{Messages: []llmtest.RecordedMessage{{Role: "user", Content: prompt, Images: images}}}
}

func text(sc llmtest.Script) (reasoning, content string, took time.Duration) {
	var r, c strings.Builder
	for _, s := range sc.Steps {
		r.WriteString(s.Reasoning)
		c.WriteString(s.Content)
		took += s.Delay
	}
	return r.String(), c.String(), took
}

func TestReplies(t *testing.T) {
	if sc := reply(ask("please fail")); sc.Fail != llmtest.FailServer {
		t.Fatalf("fail: %+v", sc)
	}
	slow := reply(ask("go slow"))
	if _, _, took := text(slow); len(slow.Steps) < 100 || took < 10*time.Second {
		t.Fatalf("slow: %d steps over %s", len(slow.Steps), took)
	}
	_, c, _ := text(reply(ask("this image?", llmtest.RecordedImage{MIME: "image/png"}, llmtest.RecordedImage{MIME: "image/jpeg"})))
	if !strings.Contains(c, "2 images: image/png, image/jpeg") {
		t.Fatalf("image: %q", c)
	}
	_, c, _ = text(reply(ask("math please")))
	if !strings.Contains(c, "$E=mc^2$") || !strings.Contains(c, "$$\n") {
		t.Fatalf("math: %q", c)
	}
	r, c, took := text(reply(ask("hello world")))
	if !strings.HasPrefix(r, `Let me think about "hello world"`) || !strings.Contains(c, "```go\n") ||
		!strings.Contains(c, `fmt.Println("hello world")`) || took < time.Second {
		t.Fatalf("default: reasoning %q content %q over %s", r, c, took)
	}
}

func TestSettingsReply(t *testing.T) {
	temp, ctx := 0.3, 4096
	r := llmtest.RecordedRequest{Model: "m", Temperature: &temp, NumCtx: &ctx, Think: `"high"`,
		Messages: []llmtest.RecordedMessage{{Role: "system", Content: "Be terse."}, {Role: "user", Content: "which settings?"}}}
	_, c, _ := text(reply(r))
	for _, want := range []string{"system: Be terse.", "model: m", "temperature: 0.3", "top_p: unset", "num_ctx: 4096", "reasoning_effort: high"} {
		if !strings.Contains(c, want) {
			t.Errorf("missing %q in %q", want, c)
		}
	}
}

func TestUseTool(t *testing.T) {
	ask := llmtest.RecordedRequest{Tools: []llmtest.RecordedTool{{Name: "echo"}},
		Messages: []llmtest.RecordedMessage{{Role: "user", Content: `please use tool echo {"message":"hi"}`}}}
	sc := reply(ask)
	if len(sc.Steps) != 2 || len(sc.Steps[1].ToolCalls) != 1 || sc.Steps[1].ToolCalls[0].Name != "echo" || sc.Steps[1].ToolCalls[0].Arguments != `{"message":"hi"}` {
		t.Fatalf("call: %+v", sc)
	}
	ask.Messages = append(ask.Messages, llmtest.RecordedMessage{Role: "assistant"}, llmtest.RecordedMessage{Role: "tool", Content: "Echo: hi"})
	var text string
	for _, s := range reply(ask).Steps {
		text += s.Content
	}
	if text != "The tool echo returned: Echo: hi" {
		t.Errorf("answer %q", text)
	}
	short := llmtest.RecordedRequest{Tools: ask.Tools, Messages: []llmtest.RecordedMessage{{Role: "user", Content: `tool:echo {"message":"x"}`}}}
	if sc := reply(short); len(sc.Steps) != 2 || sc.Steps[1].ToolCalls[0].Arguments != `{"message":"x"}` {
		t.Errorf("tool:NAME form: %+v", sc)
	}
	ask.Tools = nil
	ask.Messages = ask.Messages[:1]
	text = ""
	for _, s := range reply(ask).Steps {
		text += s.Content
	}
	if !strings.Contains(text, "No tool named echo") {
		t.Errorf("without the tool: %q", text)
	}
}
