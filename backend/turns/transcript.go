package turns

import (
	"encoding/json"
	"fmt"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// turnInput is one message of the conversation sent to the model, before media
// bytes are loaded.
type turnInput struct {
	Role    string
	Content string
	Media   []store.MediaRef
	// An answer's tool calls, and (role "tool") the call a result answers.
	ToolCalls  []llm.ToolCall
	ToolCallID string
	ToolName   string
}

// buildTranscript decides what the model sees for the turn answering trigger:
// every user message up to and including trigger, each followed by its own answer.
// Answers are matched to their question by parent id rather than by position, so
// messages queued during a turn never end up between a question and its answer.
// Failed answers and empty ones are left out; cancelled and interrupted answers
// keep what was said. Past reasoning is never sent back (see docs/providers.md).
func buildTranscript(system string, msgs []store.Message, trigger int64) []turnInput {
	var out []turnInput
	if system != "" {
		out = append(out, turnInput{Role: protocol.RoleSystem, Content: system})
	}
	answers := map[int64]store.Message{}
	for _, m := range msgs {
		if m.Role == protocol.RoleAssistant && m.ParentID != nil && m.Status != protocol.StatusError && m.Status != protocol.StatusStreaming && (m.Content != "" || len(m.Events) > 0) {
			answers[*m.ParentID] = m
		}
	}
	var triggerSeq int64 = -1
	for _, m := range msgs {
		if m.ID == trigger {
			triggerSeq = m.Seq
		}
	}
	for _, m := range msgs {
		if m.Role != protocol.RoleUser || (triggerSeq >= 0 && m.Seq > triggerSeq) {
			continue
		}
		out = append(out, turnInput{Role: protocol.RoleUser, Content: m.Content, Media: m.Media})
		if m.ID == trigger {
			break
		}
		if a, ok := answers[m.ID]; ok {
			out = append(out, answerInput(a)...)
		}
	}
	return out
}

// answerInput is an answer as the model had it: for each step that called
// tools, the text written before the calls with the calls, then each
// call's result; then the text after the last step. A call without a
// result (the turn was interrupted) is said to have not finished, so the
// exchange stays well-formed. Pure.
func answerInput(a store.Message) []turnInput {
	if len(a.Events) == 0 {
		return []turnInput{{Role: protocol.RoleAssistant, Content: a.Content}}
	}
	type call struct {
		id, name, args, result string
		done                   bool
	}
	type step struct {
		n, at int
		calls []*call
	}
	var steps []*step
	byID := map[string]*call{}
	for _, ev := range a.Events {
		f, ok := decodeFrame(ev.Data)
		if !ok {
			continue
		}
		switch ev.Kind {
		case store.EventToolCall:
			if len(steps) == 0 || steps[len(steps)-1].n != ev.Step {
				steps = append(steps, &step{n: ev.Step, at: ev.At})
			}
			c := &call{id: f.CallID, name: f.Name, args: argumentsText(f.Arguments)}
			byID[f.CallID] = c
			s := steps[len(steps)-1]
			s.calls = append(s.calls, c)
		case store.EventToolResult:
			if c, ok := byID[f.CallID]; ok && f.Content != nil {
				c.result, c.done = *f.Content, true
				for _, img := range f.Images {
					c.result = withNote(c.result, fmt.Sprintf("[The tool returned an image (%s); it is shown to the user.]", img.MIME))
				}
			}
		}
	}
	var out []turnInput
	pos := 0
	for _, s := range steps {
		at := min(max(s.at, pos), len(a.Content))
		ti := turnInput{Role: protocol.RoleAssistant, Content: a.Content[pos:at]}
		for _, c := range s.calls {
			ti.ToolCalls = append(ti.ToolCalls, llm.ToolCall{ID: c.id, Name: c.name, Arguments: c.args})
		}
		out = append(out, ti)
		for _, c := range s.calls {
			res := c.result
			if !c.done {
				res = "The call did not finish (the answer was interrupted)."
			}
			out = append(out, turnInput{Role: "tool", Content: res, ToolCallID: c.id, ToolName: c.name})
		}
		pos = at
	}
	if rest := a.Content[pos:]; rest != "" {
		out = append(out, turnInput{Role: protocol.RoleAssistant, Content: rest})
	}
	return out
}

// argumentsText is a stored call's arguments as the model wrote them: the
// object, or the text it wrote when that was no object. Pure.
func argumentsText(raw []byte) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
