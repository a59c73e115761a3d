package protocol

import (
	"encoding/json"
	"regexp"
	"strings"
)

// Agents: local programs that answer the turns of the chats bound to them
// (docs/agents.md).

// Agent command, frame and event names.
const (
	CmdRegisterAgent = "register_agent"
	CmdListAgents    = "list_agents"

	// What an agent sends during a turn, as the "type" of its frames.
	AgentReasoningDelta  = "reasoning_delta"
	AgentReasoningEnd    = "reasoning_end"
	AgentDelta           = "delta"
	AgentToolCall        = "tool_call"
	AgentToolResult      = "tool_result"
	AgentApprovalRequest = "approval_request"
	AgentTurnEnd         = "turn_end"

	EvAgentRegistered = "agent_registered"
	EvAgents          = "agents"
	EvAgentOnline     = "agent_online"
	EvAgentOffline    = "agent_offline"
	EvTurnRequest     = "turn_request"
	EvTurnCancel      = "turn_cancel"
)

// AgentFrameTypes are the frame types an agent sends during a turn.
func AgentFrameTypes() []string {
	return []string{AgentReasoningDelta, AgentReasoningEnd, AgentDelta, AgentToolCall, AgentToolResult, AgentApprovalRequest, AgentTurnEnd}
}

// UsageInput is token usage as an agent reports it with turn_end.
type UsageInput struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Agent is an agent as clients see it.
type Agent struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Online      bool   `json:"online"`
}

// TurnMessage is one message of the history an agent is sent.
type TurnMessage struct {
	Role    string      `json:"role"`
	Content string      `json:"content"`
	Media   []TurnMedia `json:"media,omitempty"`
}

// TurnMedia is an attachment as an agent fetches it: a signed URL.
type TurnMedia struct {
	MIME string `json:"mime"`
	Name string `json:"name,omitempty"`
	URL  string `json:"url"`
}

type (
	// RegisterAgent makes the connection the agent Name.
	RegisterAgent struct {
		Base
		AgentName, Description string
	}
	// ListAgents lists the agents Hearth knows.
	ListAgents struct{ Base }
	// AgentFrame is one frame of a turn an agent answers. Kind is its type.
	AgentFrame struct {
		Base
		Kind, TurnID string
		Text         string
		CallID, Tool string
		Arguments    json.RawMessage
		Status       string
		Content      string
		Error        string
		Usage        *Usage
	}
)

func (RegisterAgent) Name() string { return CmdRegisterAgent }
func (ListAgents) Name() string    { return CmdListAgents }

// Name of an AgentFrame is its kind: each kind has its own handler row.
func (f AgentFrame) Name() string { return f.Kind }

// AgentRegistered confirms register_agent.
func AgentRegistered(reqID, name string) Event {
	return Event{Event: EvAgentRegistered, ReqID: reqID, Name: name}
}

// Agents answers list_agents.
func Agents(reqID string, items []Agent) Event {
	if items == nil {
		items = []Agent{}
	}
	return Event{Event: EvAgents, ReqID: reqID, Items: items}
}

// AgentOnline and AgentOffline go to every connection.
func AgentOnline(name string) Event  { return Event{Event: EvAgentOnline, Name: name} }
func AgentOffline(name string) Event { return Event{Event: EvAgentOffline, Name: name} }

// TurnRequest asks an agent for a turn.
func TurnRequest(chatID, turnID string, messages []TurnMessage, system, model string) Event {
	if messages == nil {
		messages = []TurnMessage{}
	}
	return Event{Event: EvTurnRequest, ChatID: chatID, TurnID: turnID, Messages: messages, System: system, Model: model}
}

// TurnCancel asks an agent to stop a turn.
func TurnCancel(chatID, turnID string) Event {
	return Event{Event: EvTurnCancel, ChatID: chatID, TurnID: turnID}
}

// MaxAgentNameBytes bounds an agent's name; MaxAgentDescriptionBytes its
// description.
const (
	MaxAgentNameBytes        = 64
	MaxAgentDescriptionBytes = 1000
)

var agentName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ValidAgentName reports whether s can name an agent: letters, digits,
// dot, dash and underscore, starting with a letter or digit.
func ValidAgentName(s string) bool {
	return len(s) <= MaxAgentNameBytes && agentName.MatchString(s)
}

var agentFrames = map[string]bool{AgentReasoningDelta: true, AgentReasoningEnd: true, AgentDelta: true, AgentToolCall: true,
	AgentToolResult: true, AgentApprovalRequest: true, AgentTurnEnd: true}

// routeAgents routes the agent commands and an agent's turn frames; ok is
// false for any other type.
func routeAgents(typ string, f Frame, reqID string) (d Decision, ok bool) {
	base := Base{reqID}
	switch {
	case typ == CmdListAgents:
		return Decision{Cmd: ListAgents{base}}, true
	case typ == CmdRegisterAgent:
		name := trimmed(f.Name)
		switch {
		case name == "":
			return fail(reqID, ReasonMissingField, "name is required"), true
		case !ValidAgentName(name):
			return fail(reqID, ReasonInvalidField, "an agent's name is 1 to %d letters, digits, '.', '-' or '_', starting with a letter or digit", MaxAgentNameBytes), true
		}
		if d := checkLen(reqID, "description", f.Description, MaxAgentDescriptionBytes); d != nil {
			return *d, true
		}
		return Decision{Cmd: RegisterAgent{Base: base, AgentName: name, Description: strings.TrimSpace(deref(f.Description))}}, true
	case !agentFrames[typ]:
		return Decision{}, false
	}
	turnID := trimmed(f.TurnID)
	if turnID == "" {
		return fail(reqID, ReasonMissingField, "turn_id is required"), true
	}
	af := AgentFrame{Base: base, Kind: typ, TurnID: turnID, Text: deref(f.Text), CallID: trimmed(f.CallID), Tool: trimmed(f.Name),
		Arguments: f.Arguments, Status: deref(f.Status), Content: deref(f.Content), Error: deref(f.Error), Usage: (*Usage)(f.Usage)}
	if len(af.Text) > MaxContentBytes || len(af.Content) > MaxContentBytes || len(af.Error) > MaxContentBytes || len(af.Arguments) > MaxContentBytes {
		return fail(reqID, ReasonTooLarge, "a frame's text is at most %d bytes", MaxContentBytes), true
	}
	switch typ {
	case AgentReasoningDelta, AgentDelta:
		if f.Text == nil {
			return fail(reqID, ReasonMissingField, "text is required"), true
		}
	case AgentToolCall, AgentApprovalRequest:
		if af.CallID == "" || af.Tool == "" {
			return fail(reqID, ReasonMissingField, "call_id and name are required"), true
		}
		if len(af.CallID) > MaxToolNameBytes || len(af.Tool) > MaxToolNameBytes {
			return fail(reqID, ReasonTooLarge, "call_id and name are at most %d bytes", MaxToolNameBytes), true
		}
		if len(af.Arguments) > 0 && !json.Valid(af.Arguments) {
			return fail(reqID, ReasonInvalidField, "arguments must be JSON"), true
		}
	case AgentToolResult:
		if af.CallID == "" {
			return fail(reqID, ReasonMissingField, "call_id is required"), true
		}
		switch af.Status {
		case ToolOK, ToolError, ToolDenied, ToolTimeout, ToolCancelled:
		case "":
			af.Status = ToolOK
		default:
			return fail(reqID, ReasonInvalidField, "status must be ok, error, denied, timeout or cancelled"), true
		}
	case AgentTurnEnd:
		switch af.Status {
		case StatusDone, StatusError:
		case "":
			af.Status = StatusDone
		default:
			return fail(reqID, ReasonInvalidField, "status must be done or error"), true
		}
	}
	return Decision{Cmd: af}, true
}

// checkAgent refuses an agent name no agent can have ("" is the built-in
// model).
func checkAgent(reqID string, agent *string) *Decision {
	if agent == nil {
		return nil
	}
	if a := strings.TrimSpace(*agent); a != "" && !ValidAgentName(a) {
		d := fail(reqID, ReasonInvalidField, "agent must be an agent's name (hearth agents lists them), or empty for the built-in model")
		return &d
	}
	return nil
}

// EvFrameAccepted answers an agent's turn frame that carried a req_id (a
// frame without one gets no reply: an agent streams many).
const EvFrameAccepted = "frame_accepted"

// FrameAccepted is that reply.
func FrameAccepted(reqID, turnID string) Event {
	return Event{Event: EvFrameAccepted, ReqID: reqID, TurnID: turnID}
}
