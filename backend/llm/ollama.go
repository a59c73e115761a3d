package llm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// ollama speaks Ollama's native API: POST /api/chat streaming NDJSON, with
// reasoning in message.thinking when "think" is on.
type ollama struct {
	c     *conn
	shows *showCache
}

func (p *ollama) Name() string    { return KindOllama }
func (p *ollama) BaseURL() string { return p.c.shown }

type olRequest struct {
	Model    string      `json:"model"`
	Messages []olMessage `json:"messages"`
	Stream   bool        `json:"stream"`
	// Think is true, a level ("low" | "medium" | "high", which Ollama honours
	// for models with levels such as gpt-oss), or absent.
	Think   any        `json:"think,omitempty"`
	Options *olOptions `json:"options,omitempty"`
	Tools   []wireTool `json:"tools,omitempty"`
}

type olMessage struct {
	Role      string       `json:"role"`
	Content   string       `json:"content"`
	Images    []b64JSON    `json:"images,omitempty"`
	ToolCalls []olToolCall `json:"tool_calls,omitempty"`
	ToolName  string       `json:"tool_name,omitempty"`
}

// buildOllamaMessages leaves past reasoning out: Ollama's templates drop
// earlier turns' thinking anyway, so it would only cost tokens.
func buildOllamaMessages(msgs []Message) []olMessage {
	out := make([]olMessage, 0, len(msgs))
	for _, m := range msgs {
		om := olMessage{Role: m.Role, Content: m.Content, ToolName: m.ToolName}
		if len(m.ToolCalls) > 0 {
			om.ToolCalls = buildOllamaToolCalls(m.ToolCalls)
		}
		for _, img := range m.Images {
			om.Images = append(om.Images, b64JSON{data: img.Data})
		}
		var notes []string
		for _, v := range m.Videos {
			notes = append(notes, videoNote(v))
		}
		if len(notes) > 0 {
			om.Content = strings.TrimSpace(om.Content + "\n\n" + strings.Join(notes, "\n"))
		}
		out = append(out, om)
	}
	return out
}

// thinkValues is the order in which "think" is tried. Ollama answers 400
// "... does not support thinking" for models without reasoning, and may
// refuse a level for models without levels; each refusal falls back to the
// next value, so any model works whatever was asked.
func thinkValues(effort string) []any {
	var vals []any
	switch e := strings.ToLower(strings.TrimSpace(effort)); e {
	case "low", "medium", "high":
		vals = append(vals, e)
	}
	return append(vals, true, nil)
}

func (p *ollama) Stream(ctx context.Context, req Request, emit func(Event) error) error {
	body := olRequest{Model: req.Model, Messages: buildOllamaMessages(req.Messages), Stream: true, Options: ollamaOptions(req), Tools: buildTools(req.Tools)}
	tries := thinkValues(req.ReasoningEffort)
	for i := 0; ; i++ {
		body.Think = tries[i]
		k, err := p.c.open(ctx, http.MethodPost, "/api/chat", body, req.Model)
		if err != nil {
			// Checked first: the caller retries without tools, and a
			// tools refusal must not be taken for a thinking one.
			if te := p.c.asToolsRefusal(err, len(body.Tools) > 0, req.Model); te != nil {
				return te
			}
			var e *Error
			if i+1 < len(tries) && errors.As(err, &e) && e.Status == http.StatusBadRequest &&
				strings.Contains(strings.ToLower(e.said), "think") {
				p.c.log.Debug("model refuses this think value; trying the next", "model", req.Model, "think", body.Think, "err", e.said)
				continue
			}
			return err
		}
		defer k.done()
		return p.read(k, req.Model, emitter{emit})
	}
}

type olChunk struct {
	Model   string `json:"model"`
	Message struct {
		Content   string       `json:"content"`
		Thinking  string       `json:"thinking"`
		ToolCalls []olToolCall `json:"tool_calls"`
	} `json:"message"`
	Done            bool            `json:"done"`
	DoneReason      string          `json:"done_reason"`
	PromptEvalCount int             `json:"prompt_eval_count"`
	EvalCount       int             `json:"eval_count"`
	Error           json.RawMessage `json:"error"`
}

func (p *ollama) read(k *call, model string, out emitter) error {
	// Content still goes through the splitter: with think off (a model
	// without thinking support, or an old Ollama) reasoning arrives as tags.
	if k.contentType() == "text/html" {
		return p.c.webPageError()
	}
	sp := newThinkSplitter(holdFor(model))
	nd := newNDJSONReader(k.body())
	first := true
	// Ollama sends each call whole, in a line of its own or beside text,
	// before the final line; they are handed over together at the end.
	var calls []ToolCall
	for {
		line, err := nd.next()
		if err != nil {
			out.salvage(sp)
			switch {
			case errors.As(err, new(lineTooLongError)):
				return p.c.malformedError(nil, err)
			case err == io.EOF:
				return p.c.cutError()
			}
			return k.fail(err)
		}
		var ch olChunk
		if err := json.Unmarshal(line, &ch); err != nil {
			out.salvage(sp)
			return p.c.malformedError(line, err)
		}
		if said := rawMessage(ch.Error); said != "" {
			out.salvage(sp)
			return p.c.streamError(said)
		}
		if first {
			first = false
			sp.setHold(max(holdFor(model), holdFor(ch.Model)))
		}
		if ch.Message.Thinking != "" {
			if err := out.segments(sp.resolve()); err != nil {
				return err
			}
			if err := out.reasoning(ch.Message.Thinking); err != nil {
				return err
			}
		}
		if ch.Message.Content != "" {
			if err := out.segments(sp.push(ch.Message.Content)); err != nil {
				return err
			}
		}
		if len(ch.Message.ToolCalls) > 0 {
			got, err := ollamaCalls(ch.Message.ToolCalls)
			if err != nil {
				out.salvage(sp)
				return p.c.malformedError(line, err)
			}
			calls = append(calls, got...)
		}
		if ch.Done {
			if ch.DoneReason == "length" {
				p.c.log.Info("answer cut at the token limit", "model", model)
			}
			usage := &Usage{
				PromptTokens:     ch.PromptEvalCount,
				CompletionTokens: ch.EvalCount,
				TotalTokens:      ch.PromptEvalCount + ch.EvalCount,
			}
			return finish(sp, calls, usage, out)
		}
	}
}

// Models lists GET /api/tags, which, unlike /v1/models, knows sizes and
// quantizations, with /api/show's context length and capabilities.
func (p *ollama) Models(ctx context.Context) ([]Model, error) {
	return ollamaModels(ctx, p.c, p.shows)
}
