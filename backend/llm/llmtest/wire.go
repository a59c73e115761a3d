package llmtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
)

// decodeRequest reads a chat request of either API into what tests look at.
func decodeRequest(r *http.Request, ollama bool) (RecordedRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 256<<20))
	rec := RecordedRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	if err != nil {
		return rec, fmt.Errorf("reading body: %w", err)
	}
	if ollama {
		var in struct {
			Model    string `json:"model"`
			Messages []struct {
				Role      string     `json:"role"`
				Content   string     `json:"content"`
				Thinking  *string    `json:"thinking"`
				Images    []string   `json:"images"`
				ToolCalls []wireCall `json:"tool_calls"`
				ToolName  string     `json:"tool_name"`
			} `json:"messages"`
			Tools   []wireTool      `json:"tools"`
			Stream  *bool           `json:"stream"`
			Think   json.RawMessage `json:"think"`
			Options struct {
				Temperature *float64 `json:"temperature"`
				TopP        *float64 `json:"top_p"`
				NumCtx      *int     `json:"num_ctx"`
			} `json:"options"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return rec, fmt.Errorf("invalid JSON: %w", err)
		}
		rec.Model, rec.Think = in.Model, string(in.Think)
		rec.Temperature, rec.TopP, rec.NumCtx = in.Options.Temperature, in.Options.TopP, in.Options.NumCtx
		rec.Stream = in.Stream == nil || *in.Stream // Ollama streams unless told not to
		rec.Tools = recordTools(in.Tools)
		for _, m := range in.Messages {
			rm := RecordedMessage{Role: m.Role, Content: m.Content, ToolName: m.ToolName}
			if rm.ToolCalls, err = recordCalls(m.ToolCalls); err != nil {
				return rec, err
			}
			if m.Thinking != nil {
				rm.Reasoning, rm.ReasoningSent = *m.Thinking, true
			}
			for _, b64 := range m.Images {
				rm.Images = append(rm.Images, decodeImage("", b64))
			}
			rec.Messages = append(rec.Messages, rm)
		}
		return rec, nil
	}
	var in struct {
		Model    string `json:"model"`
		Messages []struct {
			Role             string          `json:"role"`
			Content          json.RawMessage `json:"content"`
			ReasoningContent *string         `json:"reasoning_content"`
			Reasoning        *string         `json:"reasoning"`
			ToolCalls        []wireCall      `json:"tool_calls"`
			ToolCallID       string          `json:"tool_call_id"`
		} `json:"messages"`
		Tools         []wireTool `json:"tools"`
		Stream        bool       `json:"stream"`
		StreamOptions *struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
		ReasoningEffort      string   `json:"reasoning_effort"`
		Temperature          *float64 `json:"temperature"`
		TopP                 *float64 `json:"top_p"`
		ContinueFinalMessage bool     `json:"continue_final_message"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return rec, fmt.Errorf("invalid JSON: %w", err)
	}
	rec.ContinueFinalMessage = in.ContinueFinalMessage
	rec.Model, rec.Stream, rec.ReasoningEffort = in.Model, in.Stream, in.ReasoningEffort
	rec.Temperature, rec.TopP = in.Temperature, in.TopP
	rec.IncludeUsage = in.StreamOptions != nil && in.StreamOptions.IncludeUsage
	rec.Tools = recordTools(in.Tools)
	for _, m := range in.Messages {
		rm := RecordedMessage{Role: m.Role, ToolCallID: m.ToolCallID}
		if rm.ToolCalls, err = recordCalls(m.ToolCalls); err != nil {
			return rec, err
		}
		for _, r := range []*string{m.ReasoningContent, m.Reasoning} {
			if r != nil {
				rm.Reasoning, rm.ReasoningSent = rm.Reasoning+*r, true
			}
		}
		if err := decodeContent(m.Content, &rm); err != nil {
			return rec, err
		}
		rec.Messages = append(rec.Messages, rm)
	}
	return rec, nil
}

// decodeContent accepts a string or an array of content parts.
func decodeContent(raw json.RawMessage, rm *RecordedMessage) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &rm.Content); err != nil {
			return fmt.Errorf("content: %w", err)
		}
		return nil
	}
	var parts []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		ImageURL struct {
			URL string `json:"url"`
		} `json:"image_url"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return fmt.Errorf("content parts: %w", err)
	}
	var texts []string
	for _, p := range parts {
		switch p.Type {
		case "text":
			texts = append(texts, p.Text)
		case "image_url":
			u := p.ImageURL.URL
			mime, b64, ok := strings.Cut(strings.TrimPrefix(u, "data:"), ";base64,")
			if !strings.HasPrefix(u, "data:") || !ok {
				rm.Images = append(rm.Images, RecordedImage{URL: u, Size: -1})
				continue
			}
			rm.Images = append(rm.Images, decodeImage(mime, b64))
		default:
			return fmt.Errorf("content part type %q is not supported", p.Type)
		}
	}
	rm.Content = strings.Join(texts, "\n")
	return nil
}

func decodeImage(mime, b64 string) RecordedImage {
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return RecordedImage{MIME: mime, Size: -1}
	}
	img := RecordedImage{MIME: mime, Sniffed: http.DetectContentType(data), Size: len(data)}
	if img.MIME == "" {
		img.MIME = img.Sniffed
	}
	return img
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers in the error shape of the API that was called.
func writeError(w http.ResponseWriter, ollama bool, status int, msg, code string) {
	if ollama {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	typ := "invalid_request_error"
	if status >= 500 {
		typ = "server_error"
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": code}})
}

// stream writes one streamed reply. Its methods return false when the
// client went away (or the server is closing), which ends the reply.
type stream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	ctx     context.Context
	closing <-chan struct{}
	started time.Time
}

func (st *stream) wait(d time.Duration) bool {
	if d <= 0 {
		return st.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-st.ctx.Done():
		return false
	case <-st.closing:
		return false
	}
}

func (st *stream) send(b []byte) bool {
	if st.ctx.Err() != nil {
		return false
	}
	if _, err := st.w.Write(b); err != nil {
		return false
	}
	return st.rc.Flush() == nil
}

// hang keeps the response open and silent until the client gives up.
func (st *stream) hang() bool {
	select {
	case <-st.ctx.Done():
	case <-st.closing:
	}
	return false
}

// drop closes the connection under the response, as a crashing server does.
func (st *stream) drop() bool {
	conn, _, err := st.rc.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
	return true
}

func (st *stream) begin(contentType string) bool {
	st.started = time.Now()
	st.w.Header().Set("Content-Type", contentType)
	st.w.Header().Set("Cache-Control", "no-cache")
	st.w.WriteHeader(http.StatusOK)
	return st.rc.Flush() == nil
}

// oaChunk is a chat.completion.chunk, fields in the order servers send them.
type oaChunk struct {
	ID                string     `json:"id"`
	Object            string     `json:"object"`
	Created           int64      `json:"created"`
	Model             string     `json:"model"`
	SystemFingerprint string     `json:"system_fingerprint"`
	Choices           []oaChoice `json:"choices"`
	Usage             *llm.Usage `json:"usage,omitempty"`
}

type oaChoice struct {
	Index        int            `json:"index"`
	Delta        map[string]any `json:"delta"`
	Logprobs     any            `json:"logprobs"`
	FinishReason any            `json:"finish_reason"`
}

// olChunk is one line of Ollama's /api/chat stream; the counters are set on
// the final (done) line only.
type olChunk struct {
	Model              string         `json:"model"`
	CreatedAt          string         `json:"created_at"`
	Message            map[string]any `json:"message"`
	Done               bool           `json:"done"`
	DoneReason         string         `json:"done_reason,omitempty"`
	TotalDuration      int64          `json:"total_duration,omitempty"`
	LoadDuration       int64          `json:"load_duration,omitempty"`
	PromptEvalCount    int            `json:"prompt_eval_count,omitempty"`
	PromptEvalDuration int64          `json:"prompt_eval_duration,omitempty"`
	EvalCount          int            `json:"eval_count,omitempty"`
	EvalDuration       int64          `json:"eval_duration,omitempty"`
}

func sseData(v any) []byte {
	b, _ := json.Marshal(v)
	return append(append([]byte("data: "), b...), '\n', '\n')
}

// openAI writes chat.completion.chunk events the way the servers do: a
// role-only first chunk, one chunk per step, a finish chunk, the usage chunk
// (empty choices) when include_usage was asked, then [DONE].
func (st *stream) openAI(sc Script, model string, rec RecordedRequest, id int) bool {
	if !st.begin("text/event-stream") {
		return false
	}
	format := sc.Format
	switch format {
	case "":
		format = FormatReasoningContent
	case FormatOllama:
		format = FormatReasoning
	}
	base := oaChunk{
		ID: fmt.Sprintf("chatcmpl-llmtest-%d", id), Object: "chat.completion.chunk",
		Created: time.Now().Unix(), Model: model, SystemFingerprint: "fp_llmtest",
	}
	chunk := func(delta map[string]any, finish any) []byte {
		c := base
		c.Choices = []oaChoice{{Delta: delta, FinishReason: finish}}
		return sseData(c)
	}
	if !st.send(chunk(map[string]any{"role": "assistant", "content": ""}, nil)) {
		return false
	}
	tags := thinkTagger{noOpen: format == FormatThinkNoOpen}
	calls := 0
	for _, step := range sc.Steps {
		if !st.wait(step.Delay) {
			return false
		}
		if len(step.ToolCalls) > 0 {
			if step.Content != "" || step.Reasoning != "" {
				if !st.send(chunk(textDelta(format, &tags, step), nil)) {
					return false
				}
			}
			// A model ends its reasoning before it calls.
			if tail := tags.close(); tail != "" && !st.send(chunk(map[string]any{"content": tail}, nil)) {
				return false
			}
			for _, d := range openAICallChunks(step.ToolCalls, calls) {
				if !st.send(chunk(d, nil)) {
					return false
				}
			}
			calls += len(step.ToolCalls)
			continue
		}
		if !st.send(chunk(textDelta(format, &tags, step), nil)) {
			return false
		}
	}
	switch sc.Fail {
	case FailCut:
		return true
	case FailStall:
		return st.hang()
	case FailMalformed:
		return st.send([]byte("data: {\"id\":\"chatcmpl-llmtest\",\"choices\":[{\"delta\":{\"content\":\"oops\n\n"))
	case FailMidstream:
		return st.send(sseData(map[string]any{"error": map[string]any{
			"message": "the model crashed while generating", "type": "server_error", "code": 500}}))
	case FailDropConn:
		return st.drop()
	}
	if tail := tags.close(); tail != "" && !st.send(chunk(map[string]any{"content": tail}, nil)) {
		return false
	}
	finish := "stop"
	if calls > 0 {
		finish = "tool_calls"
	}
	if !st.send(chunk(map[string]any{}, finish)) {
		return false
	}
	if rec.IncludeUsage {
		u := usageFor(sc, rec)
		c := base
		c.Choices, c.Usage = []oaChoice{}, &u
		if !st.send(sseData(c)) {
			return false
		}
	}
	return st.send([]byte("data: [DONE]\n\n"))
}

// textDelta is a step's text in the chunk format of the script.
func textDelta(format string, tags *thinkTagger, step Step) map[string]any {
	delta := map[string]any{}
	switch format {
	case FormatReasoning:
		delta["content"] = step.Content
		if step.Reasoning != "" {
			delta["reasoning"] = step.Reasoning
		}
	case FormatThink, FormatThinkNoOpen:
		delta["content"] = tags.text(step)
	default:
		delta["content"], delta["reasoning_content"] = nullIfEmpty(step.Content), nullIfEmpty(step.Reasoning)
	}
	return delta
}

// ollama writes /api/chat NDJSON: one object per step, then the final
// done:true object with the counters Ollama reports.
func (st *stream) ollama(sc Script, model string, rec RecordedRequest) bool {
	if !st.begin("application/x-ndjson") {
		return false
	}
	line := func(v any) []byte {
		b, _ := json.Marshal(v)
		return append(b, '\n')
	}
	now := func() string { return time.Now().UTC().Format(time.RFC3339Nano) }
	calls := 0
	for _, step := range sc.Steps {
		if rec.Think == "false" && step.Content == "" && len(step.ToolCalls) == 0 {
			continue // thinking off: the model does not reason
		}
		if !st.wait(step.Delay) {
			return false
		}
		msg := map[string]any{"role": "assistant", "content": step.Content}
		if step.Reasoning != "" && rec.Think != "false" {
			msg["thinking"] = step.Reasoning
		}
		if len(step.ToolCalls) > 0 {
			msg["tool_calls"] = ollamaCalls(step.ToolCalls, calls)
			calls += len(step.ToolCalls)
		}
		if !st.send(line(olChunk{Model: model, CreatedAt: now(), Message: msg})) {
			return false
		}
	}
	switch sc.Fail {
	case FailCut:
		return true
	case FailStall:
		return st.hang()
	case FailMalformed:
		return st.send([]byte(`{"model":"` + model + `","message":{"content":"oo` + "\n"))
	case FailMidstream:
		return st.send(line(map[string]string{"error": "an error was encountered while running the model: unexpected EOF"}))
	case FailDropConn:
		return st.drop()
	}
	u := usageFor(sc, rec)
	total := time.Since(st.started).Nanoseconds()
	return st.send(line(olChunk{
		Model: model, CreatedAt: now(),
		Message: map[string]any{"role": "assistant", "content": ""},
		Done:    true, DoneReason: "stop",
		TotalDuration: total, LoadDuration: total / 10,
		PromptEvalCount: u.PromptTokens, PromptEvalDuration: total / 5,
		EvalCount: u.CompletionTokens, EvalDuration: total / 2,
	}))
}

// thinkTagger renders steps as content with <think> tags, as a model served
// without a reasoning parser writes them.
type thinkTagger struct {
	noOpen bool // the template pre-filled the first "<think>"
	open   bool
	opened bool
}

func (t *thinkTagger) text(s Step) string {
	var b strings.Builder
	if s.Reasoning != "" {
		if !t.open {
			if !(t.noOpen && !t.opened) {
				b.WriteString("<think>")
			}
			t.open, t.opened = true, true
		}
		b.WriteString(s.Reasoning)
	}
	if s.Content != "" {
		b.WriteString(t.close())
		b.WriteString(s.Content)
	}
	return b.String()
}

func (t *thinkTagger) close() string {
	if !t.open {
		return ""
	}
	t.open = false
	return "</think>"
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// usageFor is the script's usage, or a plausible one from word counts.
func usageFor(sc Script, rec RecordedRequest) llm.Usage {
	if sc.Usage != nil {
		return *sc.Usage
	}
	var u llm.Usage
	for _, m := range rec.Messages {
		u.PromptTokens += len(strings.Fields(m.Content)) + 4
	}
	for _, s := range sc.Steps {
		u.CompletionTokens += len(strings.Fields(s.Reasoning)) + len(strings.Fields(s.Content))
		for _, c := range s.ToolCalls {
			u.CompletionTokens += 4 + len(strings.Fields(c.Arguments))
		}
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	return u
}
