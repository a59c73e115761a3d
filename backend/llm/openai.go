package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// openAI speaks the OpenAI chat-completions API with SSE streaming, the
// common dialect of Ollama (/v1), llama.cpp, vLLM, LM Studio and hosted APIs.
type openAI struct {
	c     *conn
	shows *showCache
}

func (p *openAI) Name() string    { return KindOpenAI }
func (p *openAI) BaseURL() string { return p.c.shown }

type oaRequest struct {
	Model           string          `json:"model"`
	Messages        []oaMessage     `json:"messages"`
	Stream          bool            `json:"stream"`
	StreamOptions   *oaStreamOption `json:"stream_options,omitempty"`
	ReasoningEffort string          `json:"reasoning_effort,omitempty"`
	Temperature     *float64        `json:"temperature,omitempty"`
	TopP            *float64        `json:"top_p,omitempty"`
	Tools           []wireTool      `json:"tools,omitempty"`
	// A continued answer: vLLM's (and SGLang's) way to go on from the last
	// assistant message instead of opening a new one; llama.cpp's server
	// does so for a trailing assistant message by itself.
	ContinueFinalMessage *bool `json:"continue_final_message,omitempty"`
	AddGenerationPrompt  *bool `json:"add_generation_prompt,omitempty"`
}

type oaStreamOption struct {
	IncludeUsage bool `json:"include_usage"`
}

// oaMessage carries Content as a plain string when there is only text (what
// every server accepts) and as a parts array when images or videos come along.
type oaMessage struct {
	Role       string       `json:"role"`
	Content    any          `json:"content"`
	ToolCalls  []oaToolCall `json:"tool_calls,omitempty"`
	ToolCallID string       `json:"tool_call_id,omitempty"`
}

type oaPart struct {
	Type     string      `json:"type"`
	Text     string      `json:"text,omitempty"`
	ImageURL *oaImageURL `json:"image_url,omitempty"`
}

type oaImageURL struct {
	URL b64JSON `json:"url"`
}

// videoNote is what a model reads in place of a video it cannot see, so it
// can say so instead of pretending.
func videoNote(name string) string {
	return fmt.Sprintf("[video attached: %s — this model cannot see videos]", name)
}

// buildOpenAIMessages never sends Reasoning back: DeepSeek rejects
// reasoning_content in input messages, and the other servers' templates drop
// past reasoning anyway, so sending it only costs prompt tokens.
func buildOpenAIMessages(msgs []Message) []oaMessage {
	out := make([]oaMessage, 0, len(msgs))
	for _, m := range msgs {
		if len(m.ToolCalls) > 0 {
			// Content is null, not "", beside calls: that is what OpenAI
			// sends, and some templates render "" as an empty turn.
			om := oaMessage{Role: m.Role, ToolCalls: buildOpenAIToolCalls(m.ToolCalls)}
			if m.Content != "" {
				om.Content = m.Content
			}
			out = append(out, om)
			continue
		}
		if len(m.Images) == 0 && len(m.Videos) == 0 {
			out = append(out, oaMessage{Role: m.Role, Content: m.Content, ToolCallID: m.ToolCallID})
			continue
		}
		parts := make([]oaPart, 0, 1+len(m.Images)+len(m.Videos))
		if m.Content != "" {
			parts = append(parts, oaPart{Type: "text", Text: m.Content})
		}
		for _, img := range m.Images {
			url := b64JSON{prefix: "data:" + imageMIME(img) + ";base64,", data: img.Data}
			parts = append(parts, oaPart{Type: "image_url", ImageURL: &oaImageURL{URL: url}})
		}
		for _, v := range m.Videos {
			parts = append(parts, oaPart{Type: "text", Text: videoNote(v)})
		}
		out = append(out, oaMessage{Role: m.Role, Content: parts, ToolCallID: m.ToolCallID})
	}
	return out
}

func imageMIME(img Image) string {
	if img.MIME != "" {
		return img.MIME
	}
	return http.DetectContentType(img.Data)
}

// Stream posts the completion. Optional fields some servers refuse
// (stream_options on old servers, reasoning_effort on models without
// reasoning, temperature and top_p on OpenAI's reasoning models) are dropped and the request retried once each, rather than
// failing a chat over an extra.
func (p *openAI) Stream(ctx context.Context, req Request, emit func(Event) error) error {
	body := oaRequest{
		Model:           req.Model,
		Messages:        buildOpenAIMessages(req.Messages),
		Stream:          true,
		StreamOptions:   &oaStreamOption{IncludeUsage: true},
		ReasoningEffort: req.ReasoningEffort,
		Temperature:     req.Temperature,
		TopP:            req.TopP,
		Tools:           buildTools(req.Tools),
	}
	if req.Continue {
		yes, no := true, false
		body.ContinueFinalMessage, body.AddGenerationPrompt = &yes, &no
	}
	for {
		k, err := p.c.open(ctx, http.MethodPost, "/chat/completions", body, req.Model)
		if err != nil {
			// Checked first: a tools refusal is the caller's to handle, and
			// must not pass for a refusal of an optional field.
			if te := p.c.asToolsRefusal(err, len(body.Tools) > 0, req.Model); te != nil {
				return te
			}
			var e *Error
			if errors.As(err, &e) && e.Status == http.StatusBadRequest {
				low := strings.ToLower(e.said)
				switch {
				case body.StreamOptions != nil && strings.Contains(low, "stream_options"):
					p.c.log.Warn("server refuses stream_options; retrying without usage report", "err", e.said)
					body.StreamOptions = nil
					continue
				case body.ReasoningEffort != "" && (strings.Contains(low, "reasoning") || strings.Contains(low, "thinking")):
					p.c.log.Warn("server refuses reasoning_effort; retrying without it", "model", req.Model, "err", e.said)
					body.ReasoningEffort = ""
					continue
				case body.ContinueFinalMessage != nil && (strings.Contains(low, "continue_final_message") || strings.Contains(low, "add_generation_prompt")):
					p.c.log.Warn("server refuses continue_final_message; continuing with the trailing assistant message alone", "err", e.said)
					body.ContinueFinalMessage, body.AddGenerationPrompt = nil, nil
					continue
				case (body.Temperature != nil || body.TopP != nil) && (strings.Contains(low, "temperature") || strings.Contains(low, "top_p")):
					// OpenAI's reasoning models take neither.
					p.c.log.Warn("server refuses temperature or top_p; retrying without them", "model", req.Model, "err", e.said)
					body.Temperature, body.TopP = nil, nil
					continue
				}
			}
			return err
		}
		defer k.done()
		return p.read(k, req.Model, emitter{emit})
	}
}

type oaChunk struct {
	Model   string          `json:"model"`
	Choices []oaChoice      `json:"choices"`
	Usage   *oaUsage        `json:"usage"`
	Error   json.RawMessage `json:"error"`
}

type oaChoice struct {
	Index        int     `json:"index"`
	Delta        oaDelta `json:"delta"`
	FinishReason *string `json:"finish_reason"`
}

type oaDelta struct {
	Content          json.RawMessage `json:"content"`
	ReasoningContent string          `json:"reasoning_content"`
	Reasoning        string          `json:"reasoning"`
	ToolCalls        []oaDeltaCall   `json:"tool_calls"`
}

type oaUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func (p *openAI) read(k *call, model string, out emitter) error {
	switch k.contentType() {
	case "text/html":
		return p.c.webPageError()
	case "application/json":
		// Some proxies and servers ignore stream:true and answer at once.
		return p.readWhole(k, model, out)
	}
	sp := newThinkSplitter(holdFor(model))
	sse := newSSEReader(k.body())
	var calls callAssembler
	var usage *Usage
	first, finished := true, false
	for {
		ev, err := sse.next()
		if err != nil {
			if errors.As(err, new(lineTooLongError)) {
				out.salvage(sp)
				return p.c.malformedError(nil, err)
			}
			if err == io.EOF && finished {
				// The answer is complete (finish_reason came); only the end
				// marker is missing, which some servers skip.
				p.c.log.Debug("stream ended after finish_reason without [DONE]")
				return finish(sp, calls.done(), usage, out)
			}
			out.salvage(sp)
			if err == io.EOF {
				return p.c.cutError()
			}
			return k.fail(err)
		}
		data := strings.TrimSpace(ev.data)
		if ev.name == "error" {
			out.salvage(sp)
			return p.c.streamError(providerMessage([]byte(data)))
		}
		if data == "" {
			continue
		}
		if data == "[DONE]" {
			return finish(sp, calls.done(), usage, out)
		}
		var ch oaChunk
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			out.salvage(sp)
			return p.c.malformedError([]byte(data), err)
		}
		if said := rawMessage(ch.Error); said != "" {
			out.salvage(sp)
			return p.c.streamError(said)
		}
		if first {
			first = false
			// llama.cpp names the loaded file here whatever model was asked
			// for, which is the better hint about the template's habits.
			sp.setHold(max(holdFor(model), holdFor(ch.Model)))
		}
		if ch.Usage != nil {
			usage = toUsage(ch.Usage)
		}
		for _, choice := range ch.Choices {
			if choice.Index != 0 {
				continue
			}
			if err := p.delta(sp, choice.Delta, out); err != nil {
				return err
			}
			if err := calls.add(choice.Delta.ToolCalls); err != nil {
				out.salvage(sp)
				return p.c.malformedError([]byte(data), err)
			}
			if choice.FinishReason != nil && *choice.FinishReason != "" {
				finished = true
				if *choice.FinishReason == "length" {
					p.c.log.Info("answer cut at the token limit", "model", model)
				}
			}
		}
	}
}

func (p *openAI) delta(sp *thinkSplitter, d oaDelta, out emitter) error {
	// Servers in transition send the same text in both fields; one is enough.
	reasoning := d.ReasoningContent
	if reasoning == "" {
		reasoning = d.Reasoning
	}
	content, partsReasoning, err := deltaContent(d.Content)
	if err != nil {
		return p.c.malformedError(d.Content, err)
	}
	reasoning += partsReasoning
	if reasoning != "" {
		if err := out.segments(sp.resolve()); err != nil {
			return err
		}
		if err := out.reasoning(reasoning); err != nil {
			return err
		}
	}
	if content != "" {
		return out.segments(sp.push(content))
	}
	return nil
}

// readWhole handles a non-streamed chat.completion answer.
func (p *openAI) readWhole(k *call, model string, out emitter) error {
	b, err := io.ReadAll(io.LimitReader(k.body(), maxLine))
	if err != nil {
		return k.fail(err)
	}
	var whole struct {
		Model   string `json:"model"`
		Choices []struct {
			Message oaDelta `json:"message"`
		} `json:"choices"`
		Usage *oaUsage        `json:"usage"`
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(b, &whole); err != nil {
		return p.c.malformedError(b, err)
	}
	if said := rawMessage(whole.Error); said != "" {
		return p.c.streamError(said)
	}
	sp := newThinkSplitter(max(holdFor(model), holdFor(whole.Model)))
	var calls callAssembler
	if len(whole.Choices) > 0 {
		msg := whole.Choices[0].Message
		if err := p.delta(sp, msg, out); err != nil {
			return err
		}
		// A whole message lists each call once, complete; the index the
		// stream needs is usually absent here.
		for i := range msg.ToolCalls {
			msg.ToolCalls[i].Index = &i
		}
		if err := calls.add(msg.ToolCalls); err != nil {
			return p.c.malformedError(b, err)
		}
	}
	return finish(sp, calls.done(), toUsage(whole.Usage), out)
}

func toUsage(u *oaUsage) *Usage {
	if u == nil {
		return nil
	}
	usage := &Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if usage.TotalTokens == 0 {
		usage.TotalTokens = usage.PromptTokens + usage.CompletionTokens
	}
	return usage
}

// deltaContent reads delta.content, normally a string or null. A few servers
// (Mistral's reasoning models) send an array of typed parts instead; text
// parts are answer and thinking parts reasoning.
func deltaContent(raw json.RawMessage) (content, reasoning string, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", "", nil
	}
	if raw[0] == '"' {
		err = json.Unmarshal(raw, &content)
		return content, "", err
	}
	var parts []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		Thinking []struct {
			Text string `json:"text"`
		} `json:"thinking"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", "", err
	}
	var c, r strings.Builder
	for _, part := range parts {
		switch part.Type {
		case "text":
			c.WriteString(part.Text)
		case "thinking":
			for _, t := range part.Thinking {
				r.WriteString(t.Text)
			}
		}
	}
	return c.String(), r.String(), nil
}

// finish is the normal end: the splitter's remainder, the tool calls, then
// usage.
func finish(sp *thinkSplitter, calls []ToolCall, usage *Usage, out emitter) error {
	if err := out.segments(sp.flush()); err != nil {
		return err
	}
	if len(calls) > 0 {
		if err := out.emit(Event{Kind: EventToolCalls, ToolCalls: calls}); err != nil {
			return err
		}
	}
	if usage != nil {
		return out.emit(Event{Kind: EventUsage, Usage: usage})
	}
	return nil
}

// Models lists GET {base}/models (llama.cpp adds the file's size, context
// and parameter count under meta), with the details LM Studio or Ollama
// give under the same host.
func (p *openAI) Models(ctx context.Context) ([]Model, error) {
	return openAIModels(ctx, p.c, p.shows)
}
