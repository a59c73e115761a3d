package protocol

import "encoding/json"

// MediaItem references an upload by id, or carries it inline as a data URL.
type MediaItem struct {
	ID      string `json:"id,omitempty"`
	DataURL string `json:"data_url,omitempty"`
	Name    string `json:"name,omitempty"`
}

// Frame is every client → server frame, decoded loosely: the router checks which
// fields a type needs. Pointer fields distinguish "absent" from "zero", and
// omitempty keeps "absent" absent when a client encodes one (never a null).
type Frame struct {
	Type            *string         `json:"type,omitempty"`
	ReqID           json.RawMessage `json:"req_id,omitempty"`
	ChatID          *string         `json:"chat_id,omitempty"`
	Since           *int64          `json:"since,omitempty"`
	Content         *string         `json:"content,omitempty"`
	Media           []MediaItem     `json:"media,omitempty"`
	Model           *string         `json:"model,omitempty"`
	ReasoningEffort *string         `json:"reasoning_effort,omitempty"`
	Queue           *bool           `json:"queue,omitempty"`
	TurnID          *string         `json:"turn_id,omitempty"`
	Title           *string         `json:"title,omitempty"`
	System          *string         `json:"system,omitempty"`
	Pinned          *bool           `json:"pinned,omitempty"`
	Limit           *int            `json:"limit,omitempty"`
	Before          *string         `json:"before,omitempty"`
	BeforeSeq       *int64          `json:"before_seq,omitempty"`
	AfterSeq        *int64          `json:"after_seq,omitempty"`
	AroundSeq       *int64          `json:"around_seq,omitempty"`
	Query           *string         `json:"query,omitempty"`
	Provider        *string         `json:"provider,omitempty"`
	ProviderURL     *string         `json:"provider_url,omitempty"`
	APIKey          *string         `json:"api_key,omitempty"`
	Name            *string         `json:"name,omitempty"`
	PullID          *string         `json:"pull_id,omitempty"`
	MessageID       *int64          `json:"message_id,omitempty"`
	LeafID          *int64          `json:"leaf_id,omitempty"`
	Archived        *bool           `json:"archived,omitempty"`
	Temporary       *bool           `json:"temporary,omitempty"`
	Params          *ParamsInput    `json:"params,omitempty"`
	Preset          *string         `json:"preset,omitempty"`
	CallID          *string         `json:"call_id,omitempty"`
	Decision        *string         `json:"decision,omitempty"`
	Server          *string         `json:"server,omitempty"`
	Tool            *string         `json:"tool,omitempty"`
	ToolsOff        *[]string       `json:"tools_off,omitempty"`
	// agents
	Description *string         `json:"description,omitempty"`
	Agent       *string         `json:"agent,omitempty"`
	Text        *string         `json:"text,omitempty"`
	Arguments   json.RawMessage `json:"arguments,omitempty"`
	Status      *string         `json:"status,omitempty"`
	Error       *string         `json:"error,omitempty"`
	Usage       *UsageInput     `json:"usage,omitempty"`
}

// Commands are what the router asks the server to do. Each carries the request id
// to echo.

// Command is implemented by every command type. Name is the command's name
// (a Cmd constant): what the server's dispatch table is keyed by.
type Command interface {
	RequestID() string
	Name() string
}

// Base carries the request id.
type Base struct{ ReqID string }

// RequestID returns the id to echo in the reply.
func (b Base) RequestID() string { return b.ReqID }

type (
	// NewChat creates a chat and attaches the connection to it.
	NewChat struct {
		Base
		Title, Model, System string
		// Preset, when set, fills what the frame leaves out (system, model,
		// params) from the named preset.
		Preset string
		Params *Params
		// Temporary: never written to disk, gone when its last client
		// detaches or Hearth stops.
		Temporary bool
		// ToolsOff: MCP servers switched off (nil: the settings' default).
		ToolsOff *[]string
		// Agent binds the chat to an agent ("": the built-in model).
		Agent string
	}
	// Attach subscribes to a chat; Since nil means "only the running turn".
	Attach struct {
		Base
		ChatID string
		Since  *int64
	}
	// Detach unsubscribes.
	Detach struct {
		Base
		ChatID string
	}
	// SendMessage commits a user message and starts (or queues) a turn.
	SendMessage struct {
		Base
		ChatID          string
		Content         string
		Media           []MediaItem
		Model           string
		ReasoningEffort string
		Queue           bool
		// ToDefault is set when the frame named no chat (nanobot's legacy frames and
		// plain text): the server creates the connection's default chat on first use.
		ToDefault bool
	}
	// Cancel stops the running turn.
	Cancel struct {
		Base
		ChatID, TurnID string
	}
	// ListChats pages the chat list.
	ListChats struct {
		Base
		Limit  int
		Before string
		// Archived lists the archived chats instead of the others.
		Archived bool
	}
	// GetHistory pages a chat's messages upward (BeforeSeq, 0: from the
	// newest), downward (AfterSeq, set when given, 0 included) or opens a
	// page around one message (AroundSeq > 0); at most one of them is set.
	GetHistory struct {
		Base
		ChatID    string
		BeforeSeq int64
		AfterSeq  *int64
		AroundSeq int64
		Limit     int
		// LeafID pages the path that ends at this message instead of the
		// active one.
		LeafID int64
	}
	// UpdateChat changes chat metadata (rename_chat is UpdateChat with a title).
	UpdateChat struct {
		Base
		ChatID               string
		Title, Model, System *string
		Pinned, Archived     *bool
		Params               *Params
		// Preset applies the named preset (its system, model and params).
		Preset *string
		// ToolsOff replaces the MCP servers switched off for the chat.
		ToolsOff *[]string
		// Agent binds the chat to an agent ("": back to the built-in model).
		Agent *string
	}
	// DeleteChat deletes a chat and everything in it.
	DeleteChat struct {
		Base
		ChatID string
	}
	// ListModels asks the provider for its models.
	ListModels struct{ Base }
	// GetSettings reads the provider settings.
	GetSettings struct{ Base }
	// SetSettings saves provider settings.
	SetSettings struct {
		Base
		Provider, ProviderURL, Model, APIKey *string
	}
	// Search runs a full-text search.
	Search struct {
		Base
		Query string
		Limit int
	}
	// Ping asks for a pong.
	Ping struct{ Base }
	// PullModel downloads a model by name (Ollama only).
	PullModel struct {
		Base
		Model string
	}
	// CancelPull stops a download, named by its id or its model's name.
	CancelPull struct {
		Base
		PullID, Model string
	}
	// ListPulls asks for the downloads running now.
	ListPulls struct{ Base }
)

// Name of each command; rename_chat arrives as an update_chat.
func (NewChat) Name() string     { return CmdNewChat }
func (Attach) Name() string      { return CmdAttach }
func (Detach) Name() string      { return CmdDetach }
func (SendMessage) Name() string { return CmdMessage }
func (Cancel) Name() string      { return CmdCancel }
func (ListChats) Name() string   { return CmdListChats }
func (GetHistory) Name() string  { return CmdHistory }
func (UpdateChat) Name() string  { return CmdUpdateChat }
func (DeleteChat) Name() string  { return CmdDeleteChat }
func (ListModels) Name() string  { return CmdListModels }
func (GetSettings) Name() string { return CmdGetSettings }
func (SetSettings) Name() string { return CmdSetSettings }
func (Search) Name() string      { return CmdSearch }
func (Ping) Name() string        { return CmdPing }
func (PullModel) Name() string   { return CmdPullModel }
func (CancelPull) Name() string  { return CmdCancelPull }
func (ListPulls) Name() string   { return CmdListPulls }
