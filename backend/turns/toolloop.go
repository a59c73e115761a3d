package turns

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hearth-app/hearth/backend/ids"
	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// toolsUnsupportedNote is what the user reads, once per model, when a model
// refuses tools and answers without them.
const toolsUnsupportedNote = "_(This model cannot use tools, so it answers without them.)_\n\n"

// runSteps streams the model's answer, running the tools it calls and
// feeding their results back, until it answers without calling or the
// step limit is reached (then it is asked to answer with what it has).
func (e *Engine) runSteps(ctx context.Context, r *room, t *turn, prov llm.Provider, req llm.Request, tools offered) error {
	model := req.Model
	if len(tools.tools) > 0 && !e.refusesTools(model) {
		req.Tools = tools.tools
	}
	for step := 0; ; {
		var calls []llm.ToolCall
		r.mu.Lock()
		stepStart := len(t.live.content)
		r.mu.Unlock()
		err := prov.Stream(t.ctx, req, func(ev llm.Event) error {
			if ev.Kind == llm.EventToolCalls {
				calls = append(calls, ev.ToolCalls...)
				return nil
			}
			return e.onEvent(ctx, r, t, ev)
		})
		if err != nil && len(req.Tools) > 0 && errors.Is(err, llm.ErrToolsUnsupported) && t.ctx.Err() == nil {
			e.log.Warn("model refuses tools; answering without them", "model", model, "err", err)
			if e.noteRefusal(model) {
				if err := e.noteText(ctx, r, t, toolsUnsupportedNote); err != nil {
					return err
				}
			}
			req.Tools = nil
			continue
		}
		if err != nil || len(calls) == 0 || len(req.Tools) == 0 || t.ctx.Err() != nil {
			return err
		}
		r.mu.Lock()
		said := string(t.live.content[stepStart:])
		at := len(t.live.content)
		if err := e.endReasoningLocked(ctx, r, t, time.Now()); err != nil {
			r.mu.Unlock()
			return err
		}
		r.mu.Unlock()
		results := e.runCalls(ctx, r, t, step, at, calls, tools)
		if req.Continue {
			// A continued answer's kept text was the trailing assistant
			// message; with the calls it becomes one message.
			last := len(req.Messages) - 1
			said = req.Messages[last].Content + said
			req.Messages = req.Messages[:last]
		}
		req.Continue = false
		req.Messages = append(req.Messages, llm.Message{Role: protocol.RoleAssistant, Content: said, ToolCalls: calls})
		for i, c := range calls {
			req.Messages = append(req.Messages, llm.Message{Role: "tool", Content: results[i], ToolCallID: c.ID, ToolName: c.Name})
		}
		if t.ctx.Err() != nil {
			return nil
		}
		step++
		if step >= e.opts.ToolSteps {
			// The last request offers no tools: the model answers with what it has.
			req.Tools = nil
			req.Messages = append(req.Messages, llm.Message{Role: protocol.RoleUser, Content: fmt.Sprintf(
				"[Hearth: this answer has used its %d tool steps. Do not call tools again; answer now with what you have found.]", e.opts.ToolSteps)})
			note := fmt.Sprintf("\n\n_(Stopped calling tools after %d steps, the limit for one answer: tool_steps in config.toml.)_\n\n", e.opts.ToolSteps)
			if err := e.noteText(ctx, r, t, note); err != nil {
				return err
			}
		}
	}
}

// refusesTools: the model refused tools before, in this run of Hearth.
func (e *Engine) refusesTools(model string) bool {
	e.toolsMu.Lock()
	defer e.toolsMu.Unlock()
	return e.noTools[model]
}

// noteRefusal remembers a model that refused tools; true the first time,
// when the user is told.
func (e *Engine) noteRefusal(model string) bool {
	e.toolsMu.Lock()
	defer e.toolsMu.Unlock()
	if e.noTools[model] {
		return false
	}
	e.noTools[model] = true
	return true
}

// noteText adds Hearth's own words to the answer, as a delta: every client
// and every replay shows them where they fell.
func (e *Engine) noteText(ctx context.Context, r *room, t *turn, text string) error {
	return e.onEvent(ctx, r, t, llm.Event{Kind: llm.EventContent, Text: text})
}

// runCalls runs the calls of one step at once and returns what the model is
// told of each, in the calls' order.
func (e *Engine) runCalls(ctx context.Context, r *room, t *turn, step, at int, calls []llm.ToolCall, tools offered) []string {
	out := make([]string, len(calls))
	r.mu.Lock()
	offset := utf16Len(string(t.live.content[:at]))
	r.mu.Unlock()
	// Each call's tool_call goes out first, in the model's order, so every
	// client lists them as the model made them; then they run together.
	runs := make([]func() string, len(calls))
	for i, c := range calls {
		runs[i] = e.announceCall(ctx, r, t, callPlace{step: step, at: at, offset: offset}, c, tools)
	}
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = runs[i]()
		}()
	}
	wg.Wait()
	return out
}

// callPlace is where a call stands in its answer.
type callPlace struct {
	step, at, offset int
}

// announceCall publishes a call's tool_call and returns the rest of its life:
// the approval when one is needed, the call, its tool_result.
func (e *Engine) announceCall(ctx context.Context, r *room, t *turn, p callPlace, c llm.ToolCall, tools offered) func() string {
	tool, known := tools.byName[c.Name]
	args, shown, argErr := parseArguments(c.Arguments)
	pc := protocol.ToolCall{CallID: c.ID, Server: tool.Server, Name: tool.Name, Arguments: shown, Offset: p.offset}
	if !known {
		pc.Name = c.Name
	}
	trusted := ""
	if known && argErr == nil {
		trusted = e.trusted(ctx, t.chatID, tool)
		pc.AllowedBy = trusted
	}
	e.toolEvent(ctx, r, t, store.EventToolCall, c.ID, p, protocol.ToolCallEvent(t.chatID, 0, t.id, pc))
	end := func(status, content string, images []protocol.ToolImage, took time.Duration) string {
		e.toolEvent(ctx, r, t, store.EventToolResult, c.ID, p,
			protocol.ToolResult(t.chatID, 0, t.id, c.ID, status, content, images, took.Milliseconds()))
		return e.forModel(content, images)
	}
	return func() string {
		switch {
		case !known:
			return end(protocol.ToolError, unknownTool(c.Name, tools), nil, 0)
		case argErr != nil:
			return end(protocol.ToolError, fmt.Sprintf("The call was not run: %v. Call %s again with a JSON object as arguments.", argErr, c.Name), nil, 0)
		}
		if trusted == "" {
			switch decision, by := e.askApproval(ctx, r, t, p, pc, tool); {
			case by == protocol.ByCancel || by == protocol.ByShutdown:
				return end(protocol.ToolCancelled, "The call was cancelled before it ran.", nil, 0)
			case decision == protocol.DecisionDeny && by == protocol.ByTimeout:
				return end(protocol.ToolDenied, fmt.Sprintf("No one approved this call of %s in time, so it was not run.", tool.Name), nil, 0)
			case decision == protocol.DecisionDeny:
				return end(protocol.ToolDenied, fmt.Sprintf("The user declined to run %s. Do not call it again unless the user asks.", tool.Name), nil, 0)
			}
		}
		started := time.Now()
		res, err := e.opts.Tools.Call(t.ctx, tool.Server, tool.Name, args)
		took := time.Since(started)
		switch {
		case t.ctx.Err() != nil:
			return end(protocol.ToolCancelled, "The call was cancelled.", nil, took)
		case errors.Is(err, ErrToolTimeout):
			return end(protocol.ToolTimeout, fmt.Sprintf("%s did not answer in time (the server's timeout in mcp.json).", tool.Name), nil, took)
		case err != nil:
			return end(protocol.ToolError, err.Error(), nil, took)
		}
		status := protocol.ToolOK
		if res.IsError {
			status = protocol.ToolError
		}
		return end(status, capBytes(res.Text, maxToolResultBytes), keepImages(res.Images), took)
	}
}

// unknownTool is what the model reads when it calls a tool that is not
// offered. Pure.
func unknownTool(name string, tools offered) string {
	names := make([]string, 0, len(tools.tools))
	for _, t := range tools.tools {
		names = append(names, t.Name)
	}
	if len(names) == 0 {
		return fmt.Sprintf("No tool named %q is available, and no tools are available now.", name)
	}
	return fmt.Sprintf("No tool named %q is available. The tools are: %s.", name, strings.Join(names, ", "))
}

// keepImages turns a result's images into data URLs, up to
// maxToolImageBytes in all.
func keepImages(imgs []ToolImage) []protocol.ToolImage {
	var out []protocol.ToolImage
	total := 0
	for _, img := range imgs {
		total += len(img.Data)
		if total > maxToolImageBytes || !strings.HasPrefix(img.MIME, "image/") || img.MIME == "image/svg+xml" {
			continue
		}
		out = append(out, protocol.ToolImage{MIME: img.MIME, URL: "data:" + img.MIME + ";base64," + base64.StdEncoding.EncodeToString(img.Data)})
	}
	return out
}

// forModel is what the model is told of a result: its text cut to
// ToolResultChars, and a line for each image (shown to the user, not sent).
func (e *Engine) forModel(content string, images []protocol.ToolImage) string {
	s := capText(content, e.opts.ToolResultChars, "The result")
	for _, img := range images {
		s = withNote(s, fmt.Sprintf("[The tool returned an image (%s); it is shown to the user.]", img.MIME))
	}
	return s
}

// trusted says why a call may run without asking: the server's autoApprove,
// an "always" grant, a grant for this chat; "" when the user must be asked.
func (e *Engine) trusted(ctx context.Context, chatID string, tool Tool) string {
	if tool.AutoApprove {
		return protocol.AllowedAutoApprove
	}
	// "always" grants are kept in the main store; a chat's grants beside
	// the chat (a temporary chat's in memory, gone with it).
	g, err := e.opts.Store.Granted(ctx, chatID, tool.Server, tool.Name)
	if err == nil && g == "" && ids.IsTemporary(chatID) {
		g, err = e.st(chatID).Granted(ctx, chatID, tool.Server, tool.Name)
	}
	if err != nil {
		e.log.Warn("could not read tool grants; asking", "err", err)
		return ""
	}
	switch g {
	case "always":
		return protocol.AllowedAlways
	case "chat":
		return protocol.AllowedChat
	}
	return ""
}

// toolEvent sequences, publishes and stores one tool event of a turn.
func (e *Engine) toolEvent(ctx context.Context, r *room, t *turn, kind, callID string, p callPlace, ev protocol.Event) {
	r.mu.Lock()
	seq, err := r.allocLocked(ctx, r.st.ReserveSeq)
	if err != nil {
		r.mu.Unlock()
		e.log.Error("could not sequence a tool event", "chat", t.chatID, "turn", t.id, "err", err)
		return
	}
	ev.Seq = seq
	data := encode(ev)
	t.events = append(t.events, frame{seq: seq, data: data})
	msgID := t.msgID
	r.publishLocked(data, nil)
	r.mu.Unlock()
	se := store.Event{ChatID: t.chatID, Seq: seq, MessageID: msgID, Kind: kind, CallID: callID, Step: p.step, At: p.at, Data: data}
	if err := e.st(t.chatID).AppendEvent(ctx, se); err != nil {
		e.log.Error("could not store a tool event", "chat", t.chatID, "turn", t.id, "kind", kind, "err", err)
	}
}

// decodeFrame reads a stored tool frame.
func decodeFrame(data json.RawMessage) (protocol.Event, bool) {
	var f protocol.Event
	if err := json.Unmarshal(data, &f); err != nil {
		return f, false
	}
	return f, true
}
