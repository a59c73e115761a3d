// Package protocol holds the wire types of Hearth's WebSocket protocol v1 and the
// pure router that turns one inbound frame into a decision. Nothing here does I/O:
// the server applies decisions, so the whole protocol is testable without a socket.
package protocol

import (
	"encoding/json"
	"time"
)

// Version is the protocol version announced in ready.
const Version = 1

// Chat is a chat as clients see it.
type Chat struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Model    string `json:"model"`
	System   string `json:"system"`
	Pinned   bool   `json:"pinned"`
	Archived bool   `json:"archived"`
	// Temporary chats are never written to disk.
	Temporary bool   `json:"temporary,omitempty"`
	Params    Params `json:"params"`
	Preset    string `json:"preset,omitempty"`
	// LeafID is the last message of the active path (absent: no message).
	LeafID       int64     `json:"leaf_id,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	LastSeq      int64     `json:"last_seq"`
	MessageCount int       `json:"message_count"`
	Running      bool      `json:"running"`
	// ToolsOff names the MCP servers switched off for the chat.
	ToolsOff []string `json:"tools_off"`
	// AwaitingApproval: a tool call of the running turn waits for the user.
	AwaitingApproval bool `json:"awaiting_approval,omitempty"`
	// Agent names the agent that answers the chat ("": the built-in model).
	Agent string `json:"agent,omitempty"`
}

// Usage counts tokens as the provider reported them.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Media is an attachment as clients see it; URL loads in an <img> or <video> tag.
type Media struct {
	ID   string `json:"id"`
	MIME string `json:"mime"`
	Size int64  `json:"size"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Message is one stored message.
type Message struct {
	ID          int64     `json:"id"`
	ChatID      string    `json:"chat_id"`
	Seq         int64     `json:"seq"`
	EndSeq      int64     `json:"end_seq"`
	TurnID      string    `json:"turn_id,omitempty"`
	Role        string    `json:"role"`
	Content     string    `json:"content"`
	Reasoning   string    `json:"reasoning,omitempty"`
	ReasoningMS int64     `json:"reasoning_ms,omitempty"`
	Model       string    `json:"model,omitempty"`
	Status      string    `json:"status"`
	Error       string    `json:"error,omitempty"`
	Usage       *Usage    `json:"usage,omitempty"`
	LatencyMS   int64     `json:"latency_ms,omitempty"` // turn_end's, kept so a reloaded answer shows its time and speed
	Media       []Media   `json:"media"`
	CreatedAt   time.Time `json:"created_at"`
	// Queued marks a question waiting behind the running turn: it is shown
	// after everything else until its turn opens and moves it (a new seq,
	// right before its answer's turn_start).
	Queued bool `json:"queued,omitempty"`
	// ParentID is the message this one follows (null for the first of a
	// chat); Siblings place it among the others with the same parent.
	ParentID *int64   `json:"parent_id"`
	Siblings Siblings `json:"siblings"`
	// Tools are an answer's tool calls, in order.
	Tools []ToolCall `json:"tools,omitempty"`
}

// Model is one model the provider offers. Every field but ID is set only
// when the model server says it (docs/providers.md lists which says what).
type Model struct {
	ID            string `json:"id"`
	Size          int64  `json:"size,omitempty"`
	Family        string `json:"family,omitempty"`
	ParameterSize string `json:"parameter_size,omitempty"`
	Quantization  string `json:"quantization,omitempty"`
	ContextLength int    `json:"context_length,omitempty"`
	// Capabilities: vision, tools, reasoning, embedding — those the server
	// names; an absent one is missing or unknown.
	Capabilities []string `json:"capabilities,omitempty"`
}

// Pull is one model download as every client sees it. Status is the model
// server's own words ("pulling manifest", "pulling 6a0746a1ec1a",
// "verifying sha256 digest"…); BytesPerSec is the recent download speed.
type Pull struct {
	PullID      string `json:"pull_id"`
	Name        string `json:"name"`
	Status      string `json:"status"`
	Completed   int64  `json:"completed"`
	Total       int64  `json:"total"`
	BytesPerSec int64  `json:"bytes_per_sec"`
}

// SearchHit is one full-text search result.
type SearchHit struct {
	ChatID    string `json:"chat_id"`
	ChatTitle string `json:"chat_title"`
	MessageID int64  `json:"message_id"`
	Seq       int64  `json:"seq"`
	Role      string `json:"role"`
	// Snippet is the excerpt as plain text; SnippetParts is the same text in
	// runs with the matched words marked, to highlight without parsing.
	Snippet      string        `json:"snippet"`
	SnippetParts []SnippetPart `json:"snippet_parts"`
	// OnPath is false for a message on another branch than the chat's
	// active one: a client switches to it (switch_branch) before showing it.
	OnPath bool `json:"on_path"`
}

// SnippetPart is a run of a search snippet; Match marks matched words.
type SnippetPart struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// Limits bound one message's attachments, as the server enforces them; ready
// carries them so a client can refuse early what the server would refuse after
// the upload. Its fields are media.Limits' fields in the same order, so the
// server converts one into the other (protocol cannot import media, which
// imports it). A non-positive value refuses that kind of attachment.
type Limits struct {
	MaxImages     int   `json:"max_images"`
	MaxImageBytes int64 `json:"max_image_bytes"`
	MaxVideos     int   `json:"max_videos"`
	MaxVideoBytes int64 `json:"max_video_bytes"`
	// Documents: text files and PDFs.
	MaxDocuments     int   `json:"max_documents"`
	MaxDocumentBytes int64 `json:"max_document_bytes"`
}

// Settings is what the settings form shows; the API key itself is never sent back.
type Settings struct {
	Provider    string   `json:"provider"`
	ProviderURL string   `json:"provider_url"`
	Model       string   `json:"model"`
	HasAPIKey   bool     `json:"has_api_key"`
	Overridden  []string `json:"overridden"`
	ConfigFile  string   `json:"config_file"`
}

// Event is every server → client frame. One struct with omitted empty fields keeps
// the encoder in one place; the per-event constructors below decide which fields a
// given event carries, and protocol.md documents them.
type Event struct {
	Event  string `json:"event"`
	ChatID string `json:"chat_id,omitempty"`
	Seq    int64  `json:"seq,omitempty"`
	ReqID  string `json:"req_id,omitempty"`

	// ready
	ClientID string  `json:"client_id,omitempty"`
	Protocol int     `json:"protocol,omitempty"`
	Server   string  `json:"server,omitempty"`
	Limits   *Limits `json:"limits,omitempty"`

	// turns
	TurnID     string  `json:"turn_id,omitempty"`
	Model      string  `json:"model,omitempty"`
	MessageID  int64   `json:"message_id,omitempty"`
	Text       *string `json:"text,omitempty"`
	DurationMS *int64  `json:"duration_ms,omitempty"`
	Status     string  `json:"status,omitempty"`
	LatencyMS  *int64  `json:"latency_ms,omitempty"`
	Usage      *Usage  `json:"usage,omitempty"`
	Error      string  `json:"error,omitempty"`

	// messages
	Message *Message `json:"message,omitempty"`
	Queued  *bool    `json:"queued,omitempty"`

	// attach
	LastSeq *int64 `json:"last_seq,omitempty"`
	Chat    *Chat  `json:"chat,omitempty"`

	// lists
	Items       any      `json:"items,omitempty"`
	HasMore     *bool    `json:"has_more,omitempty"`
	HasNewer    *bool    `json:"has_newer,omitempty"`
	NextBefore  string   `json:"next_before,omitempty"`
	Query       *string  `json:"query,omitempty"`
	Provider    string   `json:"provider,omitempty"`
	URL         string   `json:"url,omitempty"`
	ProviderURL string   `json:"provider_url,omitempty"`
	HasAPIKey   *bool    `json:"has_api_key,omitempty"`
	Overridden  []string `json:"overridden,omitempty"`
	ConfigFile  string   `json:"config_file,omitempty"`
	Reason      string   `json:"reason,omitempty"`
	Detail      string   `json:"detail,omitempty"`

	// pulls
	PullID      string `json:"pull_id,omitempty"`
	Name        string `json:"name,omitempty"`
	Completed   *int64 `json:"completed,omitempty"`
	Total       *int64 `json:"total,omitempty"`
	BytesPerSec *int64 `json:"bytes_per_sec,omitempty"`

	// provider_status
	State string `json:"state,omitempty"`

	// mcp_servers
	ConfigPath string `json:"config_path,omitempty"`

	// branches
	LeafID   *int64    `json:"leaf_id,omitempty"`
	ParentID *int64    `json:"parent_id,omitempty"`
	Siblings *Siblings `json:"siblings,omitempty"`

	// tools (Server and Name above name the MCP server and the tool)
	CallID    string          `json:"call_id,omitempty"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Offset    *int            `json:"offset,omitempty"`
	AllowedBy string          `json:"allowed_by,omitempty"`
	Hints     *ToolHints      `json:"hints,omitempty"`
	ExpiresAt string          `json:"expires_at,omitempty"` // RFC 3339
	Decision  string          `json:"decision,omitempty"`
	By        string          `json:"by,omitempty"`
	Content   *string         `json:"content,omitempty"`
	Images    []ToolImage     `json:"images,omitempty"`

	// agents (Name above names the agent; System and Model the chat's)
	Messages []TurnMessage `json:"messages,omitempty"`
	System   string        `json:"system,omitempty"`
}

// Encode marshals an event; events are plain data, so failure means a programming error.
func Encode(e Event) []byte {
	b, err := json.Marshal(e)
	if err != nil {
		b, _ = json.Marshal(Event{Event: EvError, Reason: ReasonInternal, Detail: "could not encode event: " + err.Error(), ReqID: e.ReqID})
	}
	return b
}

func str(s string) *string { return &s }
func i64(v int64) *int64   { return &v }
func boolp(v bool) *bool   { return &v }

// Ready greets a new connection, with the attachment limits the server enforces.
func Ready(clientID, chatID, server string, lim Limits) Event {
	return Event{Event: EvReady, ClientID: clientID, ChatID: chatID, Protocol: Version, Server: server, Limits: &lim}
}

// Err is the error event; the connection stays open.
func Err(reqID, reason, detail string) Event {
	return Event{Event: EvError, ReqID: reqID, Reason: reason, Detail: detail}
}

// ErrChat is an error about one chat.
func ErrChat(reqID, chatID, reason, detail string) Event {
	e := Err(reqID, reason, detail)
	e.ChatID = chatID
	return e
}

// Pong answers ping.
func Pong(reqID string) Event { return Event{Event: EvPong, ReqID: reqID} }

// Attached ends an attach replay.
func Attached(reqID string, chat Chat, lastSeq int64, status, turnID string) Event {
	return Event{Event: EvAttached, ReqID: reqID, ChatID: chat.ID, LastSeq: i64(lastSeq), Status: status, TurnID: turnID, Chat: &chat}
}

// Detached confirms a detach.
func Detached(reqID, chatID string) Event {
	return Event{Event: EvDetached, ReqID: reqID, ChatID: chatID}
}

// CancelAccepted answers cancel: the turn was told to stop (its turn_end
// {status:"cancelled"} follows on the chat's stream) or, for a queued turn,
// removed from the queue. turnID is the turn the cancel named, empty when it
// named none (the running one).
func CancelAccepted(reqID, chatID, turnID string) Event {
	return Event{Event: EvCancelAccepted, ReqID: reqID, ChatID: chatID, TurnID: turnID}
}

// UserMessage tells subscribers a user message was committed; turnID names the
// turn that answers it (empty in a replay, where the answer follows).
func UserMessage(m Message, turnID string, queued bool) Event {
	return Event{Event: EvUserMessage, ChatID: m.ChatID, Seq: m.Seq, TurnID: turnID, Message: &m, Queued: boolp(queued)}
}

// MessageAccepted acknowledges a committed user message to its sender.
func MessageAccepted(reqID, turnID string, m Message, queued bool) Event {
	return Event{Event: EvMessageAccepted, ReqID: reqID, ChatID: m.ChatID, Seq: m.Seq, TurnID: turnID, Message: &m, Queued: boolp(queued)}
}

// TurnStart opens a turn.
func TurnStart(chatID string, seq int64, turnID, model string, messageID int64) Event {
	return Event{Event: EvTurnStart, ChatID: chatID, Seq: seq, TurnID: turnID, Model: model, MessageID: messageID}
}

// ReasoningDelta carries a piece of model reasoning.
func ReasoningDelta(chatID string, seq int64, turnID, text string) Event {
	return Event{Event: EvReasoningDelta, ChatID: chatID, Seq: seq, TurnID: turnID, Text: str(text)}
}

// ReasoningEnd closes the reasoning; Text is all of it, so a client that missed
// deltas can replace what it has.
func ReasoningEnd(chatID string, seq int64, turnID string, durationMS int64, text string) Event {
	return Event{Event: EvReasoningEnd, ChatID: chatID, Seq: seq, TurnID: turnID, DurationMS: i64(durationMS), Text: str(text)}
}

// Delta carries a piece of the answer.
func Delta(chatID string, seq int64, turnID, text string) Event {
	return Event{Event: EvDelta, ChatID: chatID, Seq: seq, TurnID: turnID, Text: str(text)}
}

// StreamEnd closes the answer; Text is all of it.
func StreamEnd(chatID string, seq int64, turnID, text string) Event {
	return Event{Event: EvStreamEnd, ChatID: chatID, Seq: seq, TurnID: turnID, Text: str(text)}
}

// TurnEnd closes a turn.
func TurnEnd(chatID string, seq int64, turnID, status string, latencyMS int64, usage *Usage, errText string) Event {
	return Event{Event: EvTurnEnd, ChatID: chatID, Seq: seq, TurnID: turnID, Status: status, LatencyMS: i64(latencyMS), Usage: usage, Error: errText}
}

// ChatCreated, ChatUpdated and ChatDeleted are broadcast to every connection.
func ChatCreated(c Chat) Event { return Event{Event: EvChatCreated, ChatID: c.ID, Chat: &c} }

// ChatUpdated is broadcast when a chat's metadata or activity changes.
func ChatUpdated(reqID string, c Chat) Event {
	return Event{Event: EvChatUpdated, ReqID: reqID, ChatID: c.ID, Chat: &c}
}

// ChatDeleted is broadcast when a chat is deleted.
func ChatDeleted(reqID, chatID string) Event {
	return Event{Event: EvChatDeleted, ReqID: reqID, ChatID: chatID}
}

// Chats answers list_chats.
func Chats(reqID string, items []Chat, hasMore bool, nextBefore string) Event {
	if items == nil {
		items = []Chat{}
	}
	return Event{Event: EvChats, ReqID: reqID, Items: items, HasMore: boolp(hasMore), NextBefore: nextBefore}
}

// History answers history.
func History(reqID, chatID string, items []Message, hasMore bool, lastSeq int64) Event {
	if items == nil {
		items = []Message{}
	}
	return HistoryPage(reqID, chatID, items, hasMore, false, lastSeq)
}

// HistoryPage answers history with a page that may stop short of the newest
// messages (after_seq, around_seq): hasNewer says more follow below it.
func HistoryPage(reqID, chatID string, items []Message, hasMore, hasNewer bool, lastSeq int64) Event {
	if items == nil {
		items = []Message{}
	}
	return Event{Event: EvHistory, ReqID: reqID, ChatID: chatID, Items: items, HasMore: boolp(hasMore), HasNewer: boolp(hasNewer), LastSeq: i64(lastSeq)}
}

// Models answers list_models.
func Models(reqID string, items []Model, provider, url string) Event {
	if items == nil {
		items = []Model{}
	}
	return Event{Event: EvModels, ReqID: reqID, Items: items, Provider: provider, URL: url}
}

// ProviderStatus is broadcast when the model server's health changes: state
// is ProviderOK (with the models it offers), ProviderUnreachable or
// ProviderError (with the reason a request would be refused with and the
// words for it).
func ProviderStatus(state, provider, url, reason, detail string, models []Model) Event {
	e := Event{Event: EvProviderStatus, State: state, Provider: provider, ProviderURL: url, Reason: reason, Detail: detail}
	if state == ProviderOK {
		if models == nil {
			models = []Model{}
		}
		e.Items = models
	}
	return e
}

// PullProgress is broadcast as a model download advances; with a req_id it
// answers pull_model.
func PullProgress(reqID string, p Pull) Event {
	return Event{Event: EvPullProgress, ReqID: reqID, PullID: p.PullID, Name: p.Name, Status: p.Status,
		Completed: i64(p.Completed), Total: i64(p.Total), BytesPerSec: i64(p.BytesPerSec)}
}

// PullDoneEvent is broadcast when a download ends: status PullDone,
// PullError (errText says why) or PullCancelled; with a req_id it answers
// cancel_pull.
func PullDoneEvent(reqID string, p Pull, status, errText string) Event {
	return Event{Event: EvPullDone, ReqID: reqID, PullID: p.PullID, Name: p.Name, Status: status,
		Completed: i64(p.Completed), Total: i64(p.Total), Error: errText}
}

// Pulls answers list_pulls: the downloads running now.
func Pulls(reqID string, items []Pull) Event {
	if items == nil {
		items = []Pull{}
	}
	return Event{Event: EvPulls, ReqID: reqID, Items: items}
}

// SettingsEvent answers get_settings and set_settings.
func SettingsEvent(reqID string, s Settings) Event {
	if s.Overridden == nil {
		s.Overridden = []string{}
	}
	return Event{Event: EvSettings, ReqID: reqID, Provider: s.Provider, ProviderURL: s.ProviderURL, Model: s.Model,
		HasAPIKey: boolp(s.HasAPIKey), Overridden: s.Overridden, ConfigFile: s.ConfigFile}
}

// SearchResults answers search.
func SearchResults(reqID, query string, items []SearchHit) Event {
	if items == nil {
		items = []SearchHit{}
	}
	return Event{Event: EvSearchResults, ReqID: reqID, Query: str(query), Items: items}
}
