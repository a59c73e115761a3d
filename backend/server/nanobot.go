package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/hearth-app/hearth/backend/protocol"
)

// A connection gets its chat events in one of two shapes. Hearth's is the
// protocol as documented. nanobot's differs only in the tool events: a client
// written for nanobot's WebSocket channel knows no tool_call, approval_request,
// approval_resolved or tool_result, but renders nanobot's `message` frames
// with kind tool_hint / progress and their tool_events. Every other event
// already has nanobot's name (delta, stream_end, turn_end, …) or is one such
// a client ignores, so it goes out byte for byte.
const (
	shapeHearth  = "hearth"
	shapeNanobot = "nanobot"
	// subprotocolNanobot chooses nanobot's shape for a client that cannot set
	// the URL's query (or would rather not).
	subprotocolNanobot = "nanobot"
)

// queryShape reads the shape= query parameter; "" when absent. An unknown
// shape is refused rather than ignored: a typo would otherwise give the client
// a shape it cannot read, with nothing to say why.
func queryShape(r *http.Request) (string, error) {
	q := r.URL.Query()
	if !q.Has("shape") {
		return "", nil
	}
	switch s := strings.ToLower(strings.TrimSpace(q.Get("shape"))); s {
	case shapeHearth, shapeNanobot:
		return s, nil
	default:
		return "", protocol.Refuse(protocol.ReasonInvalidField, "shape must be hearth or nanobot, not %q", q.Get("shape"))
	}
}

// useNanobot decides the shape: the query when it names one, else the
// negotiated subprotocol.
func useNanobot(query, subprotocol string) bool {
	if query != "" {
		return query == shapeNanobot
	}
	return strings.EqualFold(subprotocol, subprotocolNanobot)
}

// Prefixes of the frames nanobotShape translates. protocol.Encode writes the
// event name first (Event's first field), so a prefix test finds them without
// decoding any other frame; TestToolEventsStartWithTheirName keeps that true.
var nanobotPrefixes = [][]byte{
	[]byte(`{"event":"` + protocol.EvToolCall + `"`),
	[]byte(`{"event":"` + protocol.EvToolResult + `"`),
	[]byte(`{"event":"` + protocol.EvApprovalRequest + `"`),
	[]byte(`{"event":"` + protocol.EvApprovalResolved + `"`),
}

func isToolEvent(frame []byte) bool {
	if !bytes.HasPrefix(frame, []byte(`{"event":"`)) {
		return false
	}
	for _, p := range nanobotPrefixes {
		if bytes.HasPrefix(frame, p) {
			return true
		}
	}
	return false
}

// nanobotMessage is nanobot's `message` frame as its channel sends a tool hint
// or a progress line. seq and turn_id are Hearth's, kept so a client that
// resumes with attach {since} still can; a nanobot client ignores them.
type nanobotMessage struct {
	Event  string `json:"event"`
	ChatID string `json:"chat_id"`
	Seq    int64  `json:"seq,omitempty"`
	TurnID string `json:"turn_id,omitempty"`
	Text   string `json:"text"`
	Kind   string `json:"kind"`
	// CallID is on the approval lines, which have no tool_events, so a client
	// that learns to answer can send approve {call_id}.
	CallID     string             `json:"call_id,omitempty"`
	ToolEvents []nanobotToolEvent `json:"tool_events,omitempty"`
}

// nanobotToolEvent is one entry of nanobot's tool_events (version 1).
type nanobotToolEvent struct {
	Version   int             `json:"version"`
	Phase     string          `json:"phase"` // start, end, error
	CallID    string          `json:"call_id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Result    *string         `json:"result,omitempty"`
	Error     string          `json:"error,omitempty"`
}

const (
	nanobotKindToolHint = "tool_hint"
	nanobotKindProgress = "progress"
	// nanobotTextRunes bounds the argument part of a hint and the error line
	// of a progress message: they are one-line breadcrumbs, the whole value is
	// in tool_events.
	nanobotTextRunes = 200
	// nanobotMaxCalls bounds what a connection remembers of calls whose result
	// it has not seen (a turn interrupted by a restart never gets one).
	nanobotMaxCalls = 4096
)

type callKey struct{ chat, call string }

type callInfo struct {
	server, name string
	args         json.RawMessage
	// by is who answered its approval request, when one was asked.
	by string
}

// nanobotShape translates one connection's tool events. It remembers each
// call it has seen, because tool_result and approval_resolved carry only the
// call_id and nanobot names the tool in every tool event. Only the
// connection's writer uses it, so it needs no lock.
type nanobotShape struct {
	calls map[callKey]*callInfo
}

func newNanobotShape() *nanobotShape { return &nanobotShape{calls: map[callKey]*callInfo{}} }

// translate returns the frame as this connection sends it: a tool event as
// one nanobot message (so seqs stay one per frame), anything else unchanged.
func (n *nanobotShape) translate(frame []byte) []byte {
	if !isToolEvent(frame) {
		return frame
	}
	var ev protocol.Event
	if err := json.Unmarshal(frame, &ev); err != nil {
		return frame
	}
	msg, ok := n.message(ev)
	if !ok {
		return frame
	}
	out, err := json.Marshal(msg)
	if err != nil {
		return frame
	}
	return out
}

// message maps one tool event; it also keeps what later events of the call
// will need.
func (n *nanobotShape) message(ev protocol.Event) (nanobotMessage, bool) {
	key := callKey{ev.ChatID, ev.CallID}
	m := nanobotMessage{Event: "message", ChatID: ev.ChatID, Seq: ev.Seq, TurnID: ev.TurnID, Kind: nanobotKindProgress}
	switch ev.Event {
	case protocol.EvToolCall:
		c := n.remember(key, ev)
		m.Kind = nanobotKindToolHint
		m.Text = hintText(c.server, c.name, ev.Arguments)
		m.ToolEvents = []nanobotToolEvent{{Version: 1, Phase: "start", CallID: ev.CallID, Name: c.name, Arguments: argsObject(ev.Arguments)}}
	case protocol.EvApprovalRequest:
		c := n.remember(key, ev)
		m.CallID = ev.CallID
		m.Text = label(c, ev.CallID) + " waits for approval in Hearth" + riskWords(ev.Hints)
	case protocol.EvApprovalResolved:
		c := n.lookup(key, ev)
		c.by = ev.By
		m.CallID = ev.CallID
		m.Text = label(c, ev.CallID) + " " + decisionWords(ev.Decision, ev.By)
	case protocol.EvToolResult:
		c := n.lookup(key, ev)
		delete(n.calls, key)
		content := ""
		if ev.Content != nil {
			content = *ev.Content
		}
		te := nanobotToolEvent{Version: 1, Phase: "end", CallID: ev.CallID, Name: c.name, Arguments: argsObject(c.args)}
		took := ""
		if ev.DurationMS != nil {
			took = " in " + duration(*ev.DurationMS)
		}
		if ev.Status == protocol.ToolOK {
			te.Result = &content
			m.Text = label(c, ev.CallID) + " done" + took + imagesWords(len(ev.Images))
		} else {
			te.Phase = "error"
			te.Error = errorWords(ev.Status, content, c.by)
			m.Text = label(c, ev.CallID) + ": " + firstLine(te.Error)
		}
		m.ToolEvents = []nanobotToolEvent{te}
	default:
		return nanobotMessage{}, false
	}
	return m, true
}

// remember records a call from an event that names it.
func (n *nanobotShape) remember(key callKey, ev protocol.Event) *callInfo {
	if c, ok := n.calls[key]; ok {
		return c
	}
	if len(n.calls) >= nanobotMaxCalls {
		clear(n.calls)
	}
	c := &callInfo{server: ev.Server, name: ev.Name, args: ev.Arguments}
	n.calls[key] = c
	return c
}

// lookup finds a call seen earlier. A client that resumed after the call's
// tool_call has not seen it: the event's own server and name are used when
// it has them, else the call goes by its id.
func (n *nanobotShape) lookup(key callKey, ev protocol.Event) *callInfo {
	if c, ok := n.calls[key]; ok {
		return c
	}
	return &callInfo{server: ev.Server, name: ev.Name}
}

// hintText is the one line a nanobot client shows for a call:
// server.tool(arguments), cut.
func hintText(server, name string, args json.RawMessage) string {
	return protocol.CallText(server, name, args, nanobotTextRunes)
}

func qualified(server, name string) string {
	if server == "" {
		return name
	}
	return server + "." + name
}

func label(c *callInfo, callID string) string {
	if c.name == "" {
		return "tool call " + callID
	}
	return qualified(c.server, c.name)
}

// argsObject is the arguments as nanobot carries them, an object. Hearth
// passes on what the model sent, which may be no object at all (malformed
// arguments are the tool's error, not the connection's): such a value is in
// the hint's text, and tool_events get an empty object.
func argsObject(args json.RawMessage) json.RawMessage {
	if t := bytes.TrimSpace(args); len(t) > 0 && t[0] == '{' && json.Valid(t) {
		return args
	}
	return json.RawMessage(`{}`)
}

func riskWords(h *protocol.ToolHints) string {
	switch {
	case h == nil:
		return ""
	case h.Destructive:
		return " (the server says it may change or delete things)"
	case h.ReadOnly:
		return " (the server says it only reads)"
	}
	return ""
}

func decisionWords(decision, by string) string {
	switch {
	case by == protocol.ByTimeout:
		return "was not approved in time"
	case by == protocol.ByCancel:
		return "was cancelled before it was approved"
	case by == protocol.ByShutdown:
		return "was not approved before Hearth stopped"
	}
	switch decision {
	case protocol.DecisionOnce:
		return "approved once"
	case protocol.DecisionChat:
		return "approved for this chat"
	case protocol.DecisionAlways:
		return "approved always"
	case protocol.DecisionDeny:
		return "denied by the user"
	}
	return decision
}

// errorWords says why a call did not succeed, as nanobot's error field.
func errorWords(status, content, by string) string {
	switch status {
	case protocol.ToolDenied:
		if by == protocol.ByTimeout {
			return "denied: not approved in time"
		}
		return "denied by the user"
	case protocol.ToolTimeout:
		return "timed out"
	case protocol.ToolCancelled:
		return "cancelled"
	}
	if strings.TrimSpace(content) == "" {
		return "failed"
	}
	return content
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " …"
	}
	return cut(s, nanobotTextRunes)
}

func imagesWords(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return " (1 image)"
	}
	return fmt.Sprintf(" (%d images)", n)
}

func duration(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

// cut shortens s to at most n runes, marking the cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
