package turns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hearth-app/hearth/backend/llm"
)

// Tool is one tool of an MCP server as the engine offers it to the model.
type Tool struct {
	Server, Name, Description string
	Schema                    json.RawMessage
	// Hints the server gives; they inform the user, never decide.
	ReadOnly, Destructive bool
	// AutoApprove: the server's autoApprove list in mcp.json names the tool.
	AutoApprove bool
}

// ToolOutput is what a call returned.
type ToolOutput struct {
	Text    string
	Images  []ToolImage
	IsError bool
}

// ToolImage is an image a tool returned.
type ToolImage struct {
	MIME string
	Data []byte
}

// ErrToolTimeout is what a Toolbox returns (wrapped) when a call ran past
// its server's time limit.
var ErrToolTimeout = errors.New("the tool did not answer in time")

// Toolbox is what the engine sees of the MCP servers.
type Toolbox interface {
	// Tools lists the tools of the servers that are ready now.
	Tools() []Tool
	// Call runs one tool; ctx's end cancels it on the server.
	Call(ctx context.Context, server, tool string, args json.RawMessage) (ToolOutput, error)
}

// Tool defaults (config.toml's tool_steps, tool_result_chars,
// approval_timeout are what users get).
const (
	defaultToolSteps       = 20
	defaultToolResultChars = 16000
	// maxToolResultBytes keeps what a client is shown of one result (and
	// the store keeps) within reason; the model gets less (ToolResultChars).
	maxToolResultBytes = 1 << 20
	// maxToolImageBytes bounds the images kept of one result.
	maxToolImageBytes = 4 << 20
)

// offered is the tool list of one turn: what the model is told, and the
// tool behind each name it may call.
type offered struct {
	tools  []llm.Tool
	byName map[string]Tool
}

var badNameChars = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

// offerTools decides what the model may call: every ready tool of a server
// the chat has not switched off. A tool keeps its own name unless two
// servers offer the same one; then both are named server_tool (function
// names are limited to [a-zA-Z0-9_-]{1,64} by OpenAI-style servers). Pure.
func offerTools(all []Tool, off []string) offered {
	skip := map[string]bool{}
	for _, s := range off {
		skip[s] = true
	}
	var on []Tool
	count := map[string]int{}
	for _, t := range all {
		if skip[t.Server] {
			continue
		}
		on = append(on, t)
		count[t.Name]++
	}
	sort.SliceStable(on, func(i, j int) bool {
		if on[i].Server != on[j].Server {
			return on[i].Server < on[j].Server
		}
		return on[i].Name < on[j].Name
	})
	o := offered{byName: map[string]Tool{}}
	for _, t := range on {
		name := t.Name
		if count[name] > 1 || !validToolName(name) {
			name = badNameChars.ReplaceAllString(t.Server+"_"+t.Name, "_")
			if len(name) > 64 {
				name = name[:64]
			}
		}
		if _, taken := o.byName[name]; taken {
			continue
		}
		o.byName[name] = t
		o.tools = append(o.tools, llm.Tool{Name: name, Description: t.Description, Parameters: t.Schema})
	}
	return o
}

func validToolName(s string) bool {
	return s != "" && len(s) <= 64 && !badNameChars.MatchString(s)
}

// parseArguments checks what the model wrote as a call's arguments: a JSON
// object (empty text counts as {}). shown is what clients see: the object,
// or the text as a JSON string when it is not one. Pure.
func parseArguments(raw string) (args, shown json.RawMessage, err error) {
	t := strings.TrimSpace(raw)
	if t == "" {
		return json.RawMessage(`{}`), json.RawMessage(`{}`), nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(t), &obj); err != nil || obj == nil {
		q, _ := json.Marshal(raw)
		if err == nil {
			err = errors.New("not an object")
		}
		return nil, q, fmt.Errorf("the arguments are not a JSON object (%v)", err)
	}
	return json.RawMessage(t), json.RawMessage(t), nil
}

// capText cuts s to at most limit characters, saying so. Pure.
func capText(s string, limit int, what string) string {
	n := utf8.RuneCountInString(s)
	if n <= limit {
		return s
	}
	p, i := 0, 0
	for i < limit {
		_, size := utf8.DecodeRuneInString(s[p:])
		p += size
		i++
	}
	return fmt.Sprintf("%s\n[%s was cut: only its first %s of %s characters are included.]", s[:p], what, groupDigits(limit), groupDigits(n))
}

// capBytes cuts s to at most limit bytes at a rune boundary, saying so. Pure.
func capBytes(s string, limit int) string {
	fit, cut := fitText(0, s, limit)
	if !cut {
		return s
	}
	return fit + fmt.Sprintf("\n[The result was cut at %s; the tool returned %s.]", humanBytes(limit), humanBytes(len(s)))
}

// utf16Len is the length of s as a JavaScript string: where a client's
// copy of the text ends. Pure.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
