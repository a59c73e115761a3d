package protocol

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// Tool events, the approve command and tool grants (docs/tools.md).

// Tool event and command names.
const (
	EvToolCall         = "tool_call"
	EvApprovalRequest  = "approval_request"
	EvApprovalResolved = "approval_resolved"
	EvToolResult       = "tool_result"
	EvToolGrants       = "tool_grants"
	EvApproveAccepted  = "approve_accepted"

	CmdApprove         = "approve"
	CmdListToolGrants  = "list_tool_grants"
	CmdRevokeToolGrant = "revoke_tool_grant"
)

// Decisions of approve (and approval_resolved).
const (
	DecisionOnce   = "once"
	DecisionChat   = "chat"
	DecisionAlways = "always"
	DecisionDeny   = "deny"
)

// Who decided a call, in approval_resolved's by when no client did.
const (
	ByTimeout  = "timeout"
	ByCancel   = "cancel"
	ByShutdown = "shutdown"
)

// Why a call ran without asking, in tool_call's allowed_by.
const (
	AllowedAutoApprove = "auto_approve"
	AllowedAlways      = "always"
	AllowedChat        = "chat"
)

// How a call ended, in tool_result's status.
const (
	ToolOK        = "ok"
	ToolError     = "error"
	ToolDenied    = "denied"
	ToolTimeout   = "timeout"
	ToolCancelled = "cancelled"
)

// ToolHints are what the server says of a tool. They are hints: a server
// can be wrong, so they inform the user's decision and never replace it.
type ToolHints struct {
	ReadOnly    bool `json:"read_only"`
	Destructive bool `json:"destructive"`
}

// ToolImage is an image a tool returned, as a data URL.
type ToolImage struct {
	MIME string `json:"mime"`
	URL  string `json:"url"`
}

// ToolCall is one tool call of an answer, as history pages carry it: the
// events of the call folded into one record.
type ToolCall struct {
	CallID    string          `json:"call_id"`
	Seq       int64           `json:"seq"`
	Server    string          `json:"server"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	// Offset: where the call stands in the answer's text, in UTF-16 code
	// units (a JavaScript string index) of the text written before it.
	Offset    int    `json:"offset"`
	AllowedBy string `json:"allowed_by,omitempty"`
	// Approval is set when the user was asked.
	Approval *Approval `json:"approval,omitempty"`
	// Status is empty while the call waits or runs.
	Status     string      `json:"status,omitempty"`
	Content    string      `json:"content,omitempty"`
	Images     []ToolImage `json:"images,omitempty"`
	DurationMS int64       `json:"duration_ms,omitempty"`
}

// Approval is the user's part of a call.
type Approval struct {
	Hints     ToolHints `json:"hints"`
	ExpiresAt time.Time `json:"expires_at"`
	// Decision and By are empty while the request waits.
	Decision string `json:"decision,omitempty"`
	By       string `json:"by,omitempty"`
}

// ToolGrant is a tool allowed for every chat ("always").
type ToolGrant struct {
	Server    string    `json:"server"`
	Tool      string    `json:"tool"`
	CreatedAt time.Time `json:"created_at"`
}

type (
	// Approve answers an approval request.
	Approve struct {
		Base
		ChatID, CallID, Decision string
	}
	// ListToolGrants lists the "always" grants.
	ListToolGrants struct{ Base }
	// RevokeToolGrant removes one "always" grant.
	RevokeToolGrant struct {
		Base
		Server, Tool string
	}
)

func (Approve) Name() string         { return CmdApprove }
func (ListToolGrants) Name() string  { return CmdListToolGrants }
func (RevokeToolGrant) Name() string { return CmdRevokeToolGrant }

// ToolCallEvent: the model called a tool.
func ToolCallEvent(chatID string, seq int64, turnID string, c ToolCall) Event {
	return Event{Event: EvToolCall, ChatID: chatID, Seq: seq, TurnID: turnID, CallID: c.CallID, Server: c.Server,
		Name: c.Name, Arguments: c.Arguments, Offset: &c.Offset, AllowedBy: c.AllowedBy}
}

// ApprovalRequest asks every client of the chat to allow or deny a call.
func ApprovalRequest(chatID string, seq int64, turnID string, c ToolCall, hints ToolHints, expires time.Time) Event {
	return Event{Event: EvApprovalRequest, ChatID: chatID, Seq: seq, TurnID: turnID, CallID: c.CallID, Server: c.Server,
		Name: c.Name, Arguments: c.Arguments, Hints: &hints, ExpiresAt: expires.UTC().Format(time.RFC3339Nano)}
}

// ApprovalResolved says how a request was answered, and by whom (a
// client_id, or ByTimeout, ByCancel, ByShutdown).
func ApprovalResolved(chatID string, seq int64, turnID, callID, decision, by string) Event {
	return Event{Event: EvApprovalResolved, ChatID: chatID, Seq: seq, TurnID: turnID, CallID: callID, Decision: decision, By: by}
}

// ToolResult ends a call.
func ToolResult(chatID string, seq int64, turnID, callID, status, content string, images []ToolImage, durationMS int64) Event {
	return Event{Event: EvToolResult, ChatID: chatID, Seq: seq, TurnID: turnID, CallID: callID, Status: status,
		Content: &content, Images: images, DurationMS: i64(durationMS)}
}

// ApproveAccepted answers approve: the decision was taken (its
// approval_resolved goes to every client of the chat).
func ApproveAccepted(reqID, chatID, callID, decision string) Event {
	return Event{Event: EvApproveAccepted, ReqID: reqID, ChatID: chatID, CallID: callID, Decision: decision}
}

// ToolGrants answers list_tool_grants and revoke_tool_grant, and goes to
// every connection when the grants change.
func ToolGrants(reqID string, items []ToolGrant) Event {
	if items == nil {
		items = []ToolGrant{}
	}
	return Event{Event: EvToolGrants, ReqID: reqID, Items: items}
}

// MaxToolNameBytes bounds a server or tool name in a command.
const MaxToolNameBytes = 200

var decisions = map[string]bool{DecisionOnce: true, DecisionChat: true, DecisionAlways: true, DecisionDeny: true}

// routeTools routes approve and the grant commands; ok is false for any
// other type.
func routeTools(typ string, f Frame, reqID string) (d Decision, ok bool) {
	base := Base{reqID}
	switch typ {
	case CmdListToolGrants:
		return Decision{Cmd: ListToolGrants{base}}, true
	case CmdRevokeToolGrant:
		server, tool := trimmed(f.Server), trimmed(f.Tool)
		if server == "" || tool == "" {
			return fail(reqID, ReasonMissingField, "server and tool are required"), true
		}
		if len(server) > MaxToolNameBytes || len(tool) > MaxToolNameBytes {
			return fail(reqID, ReasonTooLarge, "server and tool are at most %d bytes", MaxToolNameBytes), true
		}
		return Decision{Cmd: RevokeToolGrant{Base: base, Server: server, Tool: tool}}, true
	case CmdApprove:
		id, dd := needChat(f, reqID)
		if dd != nil {
			return *dd, true
		}
		callID := trimmed(f.CallID)
		if callID == "" {
			return fail(reqID, ReasonMissingField, "call_id is required"), true
		}
		if len(callID) > MaxToolNameBytes {
			return fail(reqID, ReasonTooLarge, "call_id is at most %d bytes", MaxToolNameBytes), true
		}
		dec := strings.TrimSpace(deref(f.Decision))
		if dec == "" {
			return fail(reqID, ReasonMissingField, "decision is required: once, chat, always or deny"), true
		}
		if !decisions[dec] {
			return fail(reqID, ReasonInvalidField, "decision must be once, chat, always or deny"), true
		}
		return Decision{Cmd: Approve{Base: base, ChatID: id, CallID: callID, Decision: dec}}, true
	}
	return Decision{}, false
}

// MaxToolsOff bounds the servers a chat can switch off.
const MaxToolsOff = 100

// checkToolsOff refuses a tools_off list no config could mean.
func checkToolsOff(reqID string, off *[]string) *Decision {
	if off == nil {
		return nil
	}
	if len(*off) > MaxToolsOff {
		d := fail(reqID, ReasonTooLarge, "tools_off names more than %d servers", MaxToolsOff)
		return &d
	}
	for _, s := range *off {
		if strings.TrimSpace(s) == "" || len(s) > MaxToolNameBytes {
			d := fail(reqID, ReasonInvalidField, "tools_off holds server names of 1 to %d bytes", MaxToolNameBytes)
			return &d
		}
	}
	return nil
}

// CallText is a call as one line of text, the way every client without
// cards shows it: server.tool(arguments), the arguments compacted (none
// for an empty object) and cut to max runes with "…". Pure.
func CallText(server, name string, args json.RawMessage, max int) string {
	a := ""
	if t := strings.TrimSpace(string(args)); t != "" && t != "null" && t != "{}" {
		var b bytes.Buffer
		if json.Compact(&b, args) == nil {
			a = b.String()
		} else {
			a = string(args)
		}
	}
	if r := []rune(a); max > 0 && len(r) > max {
		a = string(r[:max-1]) + "…"
	}
	if server != "" {
		name = server + "." + name
	}
	return name + "(" + a + ")"
}
