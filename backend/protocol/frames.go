package protocol

import "encoding/json"

// MediaItem references an upload by id, or carries it inline as a data URL.
type MediaItem struct {
	ID      string `json:"id,omitempty"`
	DataURL string `json:"data_url,omitempty"`
	Name    string `json:"name,omitempty"`
}

// Frame is every client → server frame, decoded loosely: the router checks which
// fields a type needs. Pointer fields distinguish "absent" from "zero".
type Frame struct {
	Type            *string         `json:"type"`
	ReqID           json.RawMessage `json:"req_id"`
	ChatID          *string         `json:"chat_id"`
	Since           *int64          `json:"since"`
	Content         *string         `json:"content"`
	Media           []MediaItem     `json:"media"`
	Model           *string         `json:"model"`
	ReasoningEffort *string         `json:"reasoning_effort"`
	Queue           *bool           `json:"queue"`
	TurnID          *string         `json:"turn_id"`
	Title           *string         `json:"title"`
	System          *string         `json:"system"`
	Pinned          *bool           `json:"pinned"`
	Limit           *int            `json:"limit"`
	Before          *string         `json:"before"`
	BeforeSeq       *int64          `json:"before_seq"`
	Query           *string         `json:"query"`
	Provider        *string         `json:"provider"`
	ProviderURL     *string         `json:"provider_url"`
	APIKey          *string         `json:"api_key"`
}

// Commands are what the router asks the server to do. Each carries the request id
// to echo.

// Command is implemented by every command type.
type Command interface{ RequestID() string }

// Base carries the request id.
type Base struct{ ReqID string }

// RequestID returns the id to echo in the reply.
func (b Base) RequestID() string { return b.ReqID }

type (
	// NewChat creates a chat and attaches the connection to it.
	NewChat struct {
		Base
		Title, Model, System string
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
	}
	// GetHistory pages a chat's messages upward.
	GetHistory struct {
		Base
		ChatID    string
		BeforeSeq int64
		Limit     int
	}
	// UpdateChat changes chat metadata (rename_chat is UpdateChat with a title).
	UpdateChat struct {
		Base
		ChatID               string
		Title, Model, System *string
		Pinned               *bool
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
)
