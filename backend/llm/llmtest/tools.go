package llmtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// ToolCall is a call a scripted model makes. An empty ID is sent without
// one (as old Ollama and some OpenAI-compatible servers do); Arguments is
// sent as written, so a test can script malformed JSON.
type ToolCall struct {
	ID, Name, Arguments string
}

// RecordedTool is one tool offered in a request.
type RecordedTool struct {
	Name, Description string
	Parameters        json.RawMessage
}

// RecordedToolCall is one call of an assistant message sent back as history.
// Arguments is the string sent (/v1) or the object's JSON text (/api/chat).
type RecordedToolCall struct {
	ID, Name, Arguments string
}

// LastRole is the role of the last message: "tool" when the request carries
// results, so a responder can script "call a tool" first and "answer" next.
func (r RecordedRequest) LastRole() string {
	if len(r.Messages) == 0 {
		return ""
	}
	return r.Messages[len(r.Messages)-1].Role
}

// wireTool is a tool as both APIs send it.
type wireTool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
	} `json:"function"`
}

func recordTools(in []wireTool) []RecordedTool {
	var out []RecordedTool
	for _, t := range in {
		out = append(out, RecordedTool{Name: t.Function.Name, Description: t.Function.Description, Parameters: t.Function.Parameters})
	}
	return out
}

// wireCall is a call in a history message: arguments are a string on /v1
// and an object on /api/chat; either is recorded as text.
type wireCall struct {
	ID       string `json:"id"`
	Function struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
}

func recordCalls(in []wireCall) ([]RecordedToolCall, error) {
	var out []RecordedToolCall
	for _, c := range in {
		args := bytes.TrimSpace(c.Function.Arguments)
		text := string(args)
		if len(args) > 0 && args[0] == '"' {
			if err := json.Unmarshal(args, &text); err != nil {
				return nil, fmt.Errorf("tool_calls arguments: %w", err)
			}
		}
		out = append(out, RecordedToolCall{ID: c.ID, Name: c.Function.Name, Arguments: text})
	}
	return out, nil
}

// withoutCalls is what a model without tools says: the text alone.
func withoutCalls(steps []Step) []Step {
	out := make([]Step, 0, len(steps))
	for _, s := range steps {
		s.ToolCalls = nil
		if s.Content != "" || s.Reasoning != "" {
			out = append(out, s)
		}
	}
	return out
}

// noToolsMessage is how each server refuses tools it cannot handle: Ollama
// names the model, llama.cpp (without --jinja) the flag.
func noToolsMessage(ollama bool, model string) string {
	if !ollama {
		return "tools param requires --jinja flag"
	}
	if !strings.Contains(model, ":") {
		model += ":latest"
	}
	return fmt.Sprintf("registry.ollama.ai/library/%s does not support tools", model)
}

// openAICallChunks is the deltas that stream a step's calls the way OpenAI
// does — id, type and name first with empty arguments, then the arguments
// in pieces — but with the calls of the step interleaved, which a client
// must put back together by index. first is the index of the step's first
// call within the reply.
func openAICallChunks(calls []ToolCall, first int) []map[string]any {
	var out []map[string]any
	pieces := make([][]string, len(calls))
	for i, c := range calls {
		head := map[string]any{
			"index": first + i, "type": "function",
			"function": map[string]any{"name": c.Name, "arguments": ""},
		}
		if c.ID != "" {
			head["id"] = c.ID
		}
		out = append(out, map[string]any{"tool_calls": []any{head}})
		pieces[i] = splitArguments(c.Arguments)
	}
	for round := 0; ; round++ {
		sent := false
		for i, ps := range pieces {
			if round >= len(ps) {
				continue
			}
			sent = true
			out = append(out, map[string]any{"tool_calls": []any{map[string]any{
				"index": first + i, "function": map[string]any{"arguments": ps[round]},
			}}})
		}
		if !sent {
			return out
		}
	}
}

// splitArguments cuts arguments into at least two pieces (when there are
// two characters to cut), at character boundaries.
func splitArguments(args string) []string {
	r := []rune(args)
	if len(r) < 2 {
		return []string{args}
	}
	size := max(1, len(r)/3)
	var out []string
	for len(r) > 0 {
		n := min(size, len(r))
		out = append(out, string(r[:n]))
		r = r[n:]
	}
	return out
}

// ollamaCalls is a step's calls as Ollama sends them: arguments as an
// object. Arguments that are not an object go as a string, which no real
// Ollama sends, so a test can feed a client malformed arguments. A call
// with an id gets the index newer Ollama sends beside it.
func ollamaCalls(calls []ToolCall, first int) []any {
	out := make([]any, 0, len(calls))
	for i, c := range calls {
		fn := map[string]any{"name": c.Name}
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(c.Arguments), &obj) == nil && obj != nil {
			fn["arguments"] = json.RawMessage(c.Arguments)
		} else {
			fn["arguments"] = c.Arguments
		}
		call := map[string]any{"function": fn}
		if c.ID != "" {
			call["id"] = c.ID
			fn["index"] = first + i
		}
		out = append(out, call)
	}
	return out
}
