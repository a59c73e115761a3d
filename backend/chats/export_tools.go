package chats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/view"
)

// ExportToolCall is one tool call of an exported answer: the record history
// pages carry, and the model request of the turn that made it. Seq is where
// the call was made, for reference only.
type ExportToolCall struct {
	protocol.ToolCall
	// Step is the model request of the turn that made the call (0, 1, …):
	// calls of one step were asked for together and their results went
	// back together. Absent (older writers): consecutive calls at the same
	// offset are one step.
	Step *int `json:"step"`
}

// exportTools folds an answer's stored events into its calls.
func exportTools(events []store.Event) []ExportToolCall {
	calls := view.Tools(events)
	if len(calls) == 0 {
		return nil
	}
	step := map[string]int{}
	for _, ev := range events {
		if ev.Kind == store.EventToolCall {
			if _, seen := step[ev.CallID]; !seen {
				step[ev.CallID] = ev.Step
			}
		}
	}
	out := make([]ExportToolCall, len(calls))
	for i, c := range calls {
		s := step[c.CallID]
		out[i] = ExportToolCall{ToolCall: c, Step: &s}
	}
	return out
}

var toolStatuses = map[string]bool{"": true, protocol.ToolOK: true, protocol.ToolError: true,
	protocol.ToolDenied: true, protocol.ToolTimeout: true, protocol.ToolCancelled: true}

var toolDecisions = map[string]bool{"": true, protocol.DecisionOnce: true, protocol.DecisionChat: true,
	protocol.DecisionAlways: true, protocol.DecisionDeny: true}

// importEvents rebuilds the stored events of message i of an export from
// its tools, as the engine would have written them: for each call in order
// its tool_call, then approval_request when the user was asked,
// approval_resolved when that was answered, tool_result when the call
// ended. The frames' chat_id, seq and turn_id are the store's to set.
func importEvents(i int, m ExportMessage) ([]store.Event, error) {
	if len(m.Tools) == 0 {
		return nil, nil
	}
	if m.Role != protocol.RoleAssistant {
		return nil, protocol.Refuse(protocol.ReasonInvalidField, "message %d: only an answer has tools, this is a %s message", i, m.Role)
	}
	var out []store.Event
	seen := map[string]bool{}
	step, prevOffset := -1, -1
	for j, c := range m.Tools {
		where := fmt.Sprintf("message %d: tools[%d]", i, j)
		switch {
		case strings.TrimSpace(c.CallID) == "":
			return nil, protocol.Refuse(protocol.ReasonMissingField, "%s: call_id is missing", where)
		case strings.TrimSpace(c.Name) == "":
			return nil, protocol.Refuse(protocol.ReasonMissingField, "%s: name is missing", where)
		case seen[c.CallID]:
			return nil, protocol.Refuse(protocol.ReasonInvalidField, "%s: call_id %q is used twice in this answer", where, c.CallID)
		case c.Offset < 0:
			return nil, protocol.Refuse(protocol.ReasonInvalidField, "%s: offset must be 0 or more, not %d", where, c.Offset)
		case c.Step != nil && *c.Step < 0:
			return nil, protocol.Refuse(protocol.ReasonInvalidField, "%s: step must be 0 or more, not %d", where, *c.Step)
		case !toolStatuses[c.Status]:
			return nil, protocol.Refuse(protocol.ReasonInvalidField, "%s: status %q is not ok, error, denied, timeout or cancelled", where, c.Status)
		case c.Approval != nil && !toolDecisions[c.Approval.Decision]:
			return nil, protocol.Refuse(protocol.ReasonInvalidField, "%s: approval.decision %q is not once, chat, always or deny", where, c.Approval.Decision)
		}
		seen[c.CallID] = true
		switch {
		case c.Step != nil:
			step = *c.Step
		case c.Offset != prevOffset:
			step++
		}
		prevOffset = c.Offset
		place := store.Event{CallID: c.CallID, Step: step, At: byteOffset(m.Content, c.Offset)}
		add := func(kind string, ev protocol.Event) {
			e := place
			e.Kind, e.Data = kind, protocol.Encode(ev)
			out = append(out, e)
		}
		pc := c.ToolCall
		if len(bytes.TrimSpace(pc.Arguments)) == 0 {
			pc.Arguments = json.RawMessage("{}")
		}
		add(store.EventToolCall, protocol.ToolCallEvent("", 0, "", pc))
		if a := c.Approval; a != nil {
			add(store.EventApprovalRequest, protocol.ApprovalRequest("", 0, "", pc, a.Hints, a.ExpiresAt))
			if a.Decision != "" || a.By != "" {
				add(store.EventApprovalResolved, protocol.ApprovalResolved("", 0, "", c.CallID, a.Decision, a.By))
			}
		}
		if c.Status != "" {
			add(store.EventToolResult, protocol.ToolResult("", 0, "", c.CallID, c.Status, c.Content, c.Images, c.DurationMS))
		}
	}
	return out, nil
}

// byteOffset is where units UTF-16 code units (a JavaScript string index)
// end in s, in bytes: never past s, never inside a character. Pure.
func byteOffset(s string, units int) int {
	n := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if w < 0 {
			w = 1 // an invalid byte reads as U+FFFD, one unit
		}
		if n+w > units {
			return i
		}
		n += w
	}
	return len(s)
}

// writeAnswer writes an answer's text with a line for each tool call at its
// place in it.
func writeAnswer(b *strings.Builder, content string, tools []ExportToolCall) {
	pos := 0
	for _, c := range tools {
		at := max(byteOffset(content, c.Offset), pos)
		if text := strings.TrimRight(content[pos:at], " \t\n"); text != "" {
			b.WriteString(text)
			b.WriteString("\n\n")
		}
		b.WriteString(toolLine(c.ToolCall))
		b.WriteString("\n\n")
		pos = at
	}
	if rest := strings.TrimLeft(content[pos:], " \t\n"); rest != "" {
		b.WriteString(rest)
		b.WriteString("\n")
	}
}

// maxToolLineArgs bounds the arguments shown in a call's line.
const maxToolLineArgs = 120

// toolLine is a call as one line of Markdown: what was called with what,
// how it ended and the first line of what it said, in code spans so no
// text of the model's or the tool's reads as Markdown or HTML. Pure.
func toolLine(c protocol.ToolCall) string {
	args := string(c.Arguments)
	var buf bytes.Buffer
	if json.Compact(&buf, c.Arguments) == nil {
		args = buf.String()
	}
	if args == "null" || args == "{}" {
		args = ""
	}
	call := c.Name + "(" + clip(args, maxToolLineArgs) + ")"
	if c.Server != "" {
		call = c.Server + "." + call
	}
	line := "> 🔧 " + codeSpan(oneLine(call)) + " → "
	switch c.Status {
	case "":
		line += "not finished"
	default:
		line += c.Status
	}
	if c.Approval != nil && c.Approval.Decision != "" && c.Approval.Decision != protocol.DecisionDeny {
		line += " (approved)"
	}
	first, _, _ := strings.Cut(strings.TrimSpace(c.Content), "\n")
	if first = strings.TrimSpace(first); first != "" {
		line += ": " + codeSpan(clip(first, maxToolLineArgs))
	}
	switch n := len(c.Images); {
	case n == 1:
		line += " (1 image)"
	case n > 1:
		line += fmt.Sprintf(" (%d images)", n)
	}
	return line
}

// oneLine is s with its line breaks as spaces: a code span cannot hold a
// blank line, and a line break would end the quote.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// clip cuts s to at most n bytes, on a character boundary, with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// codeSpan is s as a Markdown code span: fenced by one backtick more than
// the longest run of them in s. Pure.
func codeSpan(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}
