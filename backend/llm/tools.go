package llm

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Tool is a function the model may call. Parameters is a JSON Schema object;
// nil or empty stands for a function without parameters.
type Tool struct {
	Name, Description string
	Parameters        json.RawMessage
}

// ToolCall is one call a model asked for. Arguments is the JSON text as the
// model wrote it: it may be invalid JSON or empty, and is passed on untouched
// so the caller can tell the model what was wrong with it.
type ToolCall struct {
	ID, Name, Arguments string
}

// CodeToolsUnsupported: the server or the model refused the request because
// it carried tools.
const CodeToolsUnsupported = "tools_unsupported"

// ErrToolsUnsupported matches (errors.Is) the *Error of a server that refused
// tools, so the caller can ask again without them. Such a refusal is never
// retried inside this package: only the caller knows what to tell the user.
var ErrToolsUnsupported = errors.New("llm: the model cannot use tools")

// Is makes errors.Is(err, ErrToolsUnsupported) hold for a tools refusal.
func (e *Error) Is(target error) bool {
	return target == ErrToolsUnsupported && e.Code == CodeToolsUnsupported
}

// emptySchema is what a tool without parameters declares: servers that
// render tools into a chat template choke on a missing or null schema.
var emptySchema = json.RawMessage(`{"type":"object","properties":{}}`)

// wireTool is a tool in the shape both OpenAI-compatible servers and
// Ollama's native API take.
type wireTool struct {
	Type     string       `json:"type"`
	Function wireFunction `json:"function"`
}

type wireFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
}

func buildTools(tools []Tool) []wireTool {
	if len(tools) == 0 {
		return nil
	}
	out := make([]wireTool, 0, len(tools))
	for _, t := range tools {
		params := bytes.TrimSpace(t.Parameters)
		if len(params) == 0 || string(params) == "null" || !json.Valid(params) {
			params = emptySchema
		}
		out = append(out, wireTool{Type: "function", Function: wireFunction{Name: t.Name, Description: t.Description, Parameters: params}})
	}
	return out
}

// newCallID names a call the server sent without an id, so every result can
// still be paired with its call.
func newCallID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "call_" + hex.EncodeToString(b[:])
}

// refusesTools says whether a server's error text means "no tools here" —
// the model lacks tool support, or the server was not started with it.
// Other refusals (thinking, stream_options, sampling) must not match: they
// have retries of their own.
func refusesTools(said string) bool {
	low := strings.ToLower(said)
	switch {
	case strings.Contains(low, "--enable-auto-tool-choice"), strings.Contains(low, "--tool-call-parser"):
		return true // vLLM started without a tool parser
	case strings.Contains(low, "tool") && strings.Contains(low, "--jinja"):
		return true // llama.cpp without its Jinja templates
	}
	if !strings.Contains(low, "tool") && !strings.Contains(low, "function call") {
		return false
	}
	for _, no := range []string{"not support", "unsupported", "not supported", "not enabled", "not available"} {
		if strings.Contains(low, no) {
			return true
		}
	}
	return false
}

// toolsError turns a server's refusal of tools into the error the caller
// recognises by ErrToolsUnsupported.
func (c *conn) toolsError(e *Error, model string) *Error {
	low := strings.ToLower(e.said)
	hint := "Choose a model that supports tools (the model list marks them), or turn the tools off for this chat."
	switch {
	case strings.Contains(low, "--jinja"):
		hint = "Start llama-server with --jinja to let models call tools."
	case strings.Contains(low, "--enable-auto-tool-choice"), strings.Contains(low, "--tool-call-parser"):
		hint = "Start vLLM with --enable-auto-tool-choice and a --tool-call-parser for this model."
	}
	name := "The model"
	if model != "" {
		name = fmt.Sprintf("The model %q", model)
	}
	return &Error{
		Code:    CodeToolsUnsupported,
		Status:  e.Status,
		Message: fmt.Sprintf("%s cannot use tools on %s (%d: %s). %s", name, c.shown, e.Status, e.said, hint),
		Err:     e.Err,
		said:    e.said,
	}
}

// asToolsRefusal returns the tools error when err is a server's refusal of a
// request that carried tools, and nil otherwise.
func (c *conn) asToolsRefusal(err error, sentTools bool, model string) *Error {
	var e *Error
	if !sentTools || !errors.As(err, &e) || e.Status < 400 || !refusesTools(e.said) {
		return nil
	}
	return c.toolsError(e, model)
}

// oaToolCall is a call in an assistant message sent back as history.
type oaToolCall struct {
	ID       string         `json:"id"`
	Type     string         `json:"type"`
	Function oaCallFunction `json:"function"`
}

type oaCallFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

func buildOpenAIToolCalls(calls []ToolCall) []oaToolCall {
	out := make([]oaToolCall, 0, len(calls))
	for _, tc := range calls {
		args := tc.Arguments
		if strings.TrimSpace(args) == "" {
			// Servers that parse the history's arguments (llama.cpp's
			// templates) fail on an empty string; a call without
			// arguments means {}.
			args = "{}"
		}
		out = append(out, oaToolCall{ID: tc.ID, Type: "function", Function: oaCallFunction{Name: tc.Name, Arguments: args}})
	}
	return out
}

// oaDeltaCall is one fragment of a streamed tool call (or a whole call in a
// non-streamed message). Arguments is normally a JSON string; a few servers
// send the object itself, which is kept as its text.
type oaDeltaCall struct {
	Index    *int   `json:"index"`
	ID       string `json:"id"`
	Function struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
}

// callAssembler puts streamed tool-call fragments back together. OpenAI
// sends each call's id and name in its first fragment and the arguments in
// pieces, all tagged with the call's index; llama.cpp repeats the id in each
// fragment; some servers send a whole call at once, and some leave out the
// index, so a new id starts a new call.
type callAssembler struct {
	calls   []*pendingCall
	byIndex map[int]*pendingCall
}

type pendingCall struct {
	ToolCall
	index   int
	indexed bool
	args    strings.Builder
}

func (a *callAssembler) add(frags []oaDeltaCall) error {
	for _, f := range frags {
		args, err := argumentText(f.Function.Arguments)
		if err != nil {
			return err
		}
		pc := a.target(f)
		if pc.ID == "" {
			pc.ID = f.ID
		}
		if pc.Name == "" {
			pc.Name = f.Function.Name
		}
		pc.args.WriteString(args)
	}
	return nil
}

// target finds the call a fragment belongs to, or starts one.
func (a *callAssembler) target(f oaDeltaCall) *pendingCall {
	var pc *pendingCall
	if f.Index != nil {
		pc = a.byIndex[*f.Index]
	} else if n := len(a.calls); n > 0 {
		pc = a.calls[n-1]
	}
	// A different id under the same index (or with none) is another call:
	// some servers number every call 0.
	if pc != nil && (f.ID == "" || pc.ID == "" || pc.ID == f.ID) {
		return pc
	}
	pc = &pendingCall{}
	if f.Index != nil {
		pc.index, pc.indexed = *f.Index, true
		if a.byIndex == nil {
			a.byIndex = map[int]*pendingCall{}
		}
		a.byIndex[*f.Index] = pc
	}
	a.calls = append(a.calls, pc)
	return pc
}

// done returns the calls in index order (arrival order where there is no
// index), each with an id.
func (a *callAssembler) done() []ToolCall {
	if len(a.calls) == 0 {
		return nil
	}
	sorted := append([]*pendingCall(nil), a.calls...)
	if allIndexed(sorted) {
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].index < sorted[j].index })
	}
	out := make([]ToolCall, 0, len(sorted))
	for _, pc := range sorted {
		tc := pc.ToolCall
		tc.Arguments = pc.args.String()
		if tc.ID == "" {
			tc.ID = newCallID()
		}
		out = append(out, tc)
	}
	return out
}

func allIndexed(calls []*pendingCall) bool {
	for _, pc := range calls {
		if !pc.indexed {
			return false
		}
	}
	return true
}

// argumentText reads function.arguments: a string (the standard), an object
// sent as it is (kept as its text), or nothing.
func argumentText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", err
	}
	return b.String(), nil
}

// olToolCall is a call in Ollama's native API: the arguments are an object.
// Newer Ollama adds an id and the call's index.
type olToolCall struct {
	ID       string         `json:"id,omitempty"`
	Function olCallFunction `json:"function"`
}

type olCallFunction struct {
	Index     *int            `json:"index,omitempty"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

func buildOllamaToolCalls(calls []ToolCall) []olToolCall {
	out := make([]olToolCall, 0, len(calls))
	for _, tc := range calls {
		args := json.RawMessage(bytes.TrimSpace([]byte(tc.Arguments)))
		if !isJSONObject(args) {
			// Ollama takes an object and nothing else; a call whose
			// arguments were broken is sent as one without any.
			args = json.RawMessage(`{}`)
		}
		out = append(out, olToolCall{Function: olCallFunction{Name: tc.Name, Arguments: args}})
	}
	return out
}

func isJSONObject(b []byte) bool {
	var m map[string]json.RawMessage
	return len(b) > 0 && b[0] == '{' && json.Unmarshal(b, &m) == nil
}

// ollamaCalls turns the calls of one NDJSON line into ToolCalls.
func ollamaCalls(in []olToolCall) ([]ToolCall, error) {
	calls := make([]ToolCall, 0, len(in))
	order := make([]int, 0, len(in))
	indexed := true
	for _, c := range in {
		args := "{}" // Ollama leaves out the arguments of a call without any
		if raw := bytes.TrimSpace(c.Function.Arguments); len(raw) > 0 && string(raw) != "null" {
			var err error
			if args, err = argumentText(raw); err != nil {
				return nil, err
			}
		}
		id := c.ID
		if id == "" {
			id = newCallID()
		}
		calls = append(calls, ToolCall{ID: id, Name: c.Function.Name, Arguments: args})
		if c.Function.Index != nil {
			order = append(order, *c.Function.Index)
		} else {
			indexed = false
		}
	}
	if indexed {
		sort.Stable(byOrder{calls, order})
	}
	return calls, nil
}

// byOrder sorts calls by their wire index, keeping the two slices together.
type byOrder struct {
	calls []ToolCall
	order []int
}

func (b byOrder) Len() int           { return len(b.calls) }
func (b byOrder) Less(i, j int) bool { return b.order[i] < b.order[j] }
func (b byOrder) Swap(i, j int) {
	b.calls[i], b.calls[j] = b.calls[j], b.calls[i]
	b.order[i], b.order[j] = b.order[j], b.order[i]
}
