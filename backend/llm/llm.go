// Package llm streams chat completions from local (and hosted) model servers:
// any OpenAI-compatible server (Ollama /v1, llama.cpp, vLLM, LM Studio, hosted
// APIs) over SSE, and Ollama's native NDJSON API. Whatever way a server marks
// reasoning — reasoning_content, reasoning, <think> tags, Ollama's thinking —
// it reaches the caller as EventReasoning, separate from the answer.
//
// Every failure a user can meet comes back as *Error with a stable Code and a
// Message the user can act on.
package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hearth-app/hearth/backend/redact"
)

// Image is one picture attached to a message, as raw bytes.
type Image struct {
	MIME string
	Data []byte
}

// Message is one chat message. Reasoning is what an assistant thought before
// answering; providers decide whether to send it back (see docs/providers.md).
type Message struct {
	Role      string // system | user | assistant | tool
	Content   string
	Reasoning string
	Images    []Image
	Videos    []string // names of attached videos the model cannot see
	// ToolCalls: role "assistant", the calls it made (Content may be "").
	ToolCalls []ToolCall
	// ToolCallID and ToolName: role "tool", the call this is the result of
	// and its tool (Ollama's native API pairs results by name).
	ToolCallID string
	ToolName   string
}

// Request is one completion.
type Request struct {
	Model           string
	Messages        []Message
	ReasoningEffort string // "", low, medium, high
	// Sampling parameters: nil (0 for ContextLength) leaves the server's
	// own default. ContextLength is Ollama's num_ctx; OpenAI-compatible
	// servers have no such field and never see it.
	Temperature, TopP *float64
	ContextLength     int
	// Continue: the last message is the assistant's own unfinished text,
	// which the model goes on from (a prefill) instead of answering anew.
	Continue bool
	// Tools the model may call; none leaves tools off the wire.
	Tools []Tool
}

// Usage counts tokens as the server reported them.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// EventKind says what an Event carries. The zero value is deliberately not a
// valid kind, so a forgotten assignment is visible.
type EventKind int

// Event kinds.
const (
	EventReasoning EventKind = iota + 1
	EventContent
	EventUsage
	EventToolCalls
)

func (k EventKind) String() string {
	switch k {
	case EventReasoning:
		return "reasoning"
	case EventContent:
		return "content"
	case EventUsage:
		return "usage"
	case EventToolCalls:
		return "tool_calls"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one piece of a streamed completion. Text is set for reasoning and
// content, Usage for EventUsage, ToolCalls for EventToolCalls: at most one
// such event per completion, once the answer is complete, with every call
// of it in order (before usage).
type Event struct {
	Kind      EventKind
	Text      string
	Usage     *Usage
	ToolCalls []ToolCall
}

// Provider is a model server.
type Provider interface {
	// Stream runs one completion, calling emit for each event in order; emit
	// errors abort (and are returned as they are). Returns nil at normal end.
	Stream(ctx context.Context, req Request, emit func(Event) error) error
	Models(ctx context.Context) ([]Model, error)
	Name() string // "openai" | "ollama"
	// BaseURL is the server's URL for display: any user:password@ is hidden.
	BaseURL() string
}

// Provider kinds.
const (
	KindOpenAI = "openai"
	KindOllama = "ollama"
)

// Defaults used when Config leaves a field zero.
const (
	DefaultIdleTimeout    = 60 * time.Second
	DefaultConnectTimeout = 10 * time.Second
	DefaultOpenAIURL      = "http://127.0.0.1:11434/v1"
	DefaultOllamaURL      = "http://127.0.0.1:11434"
)

// Config selects and tunes a provider.
type Config struct {
	Kind    string // openai (default) | ollama
	BaseURL string
	APIKey  string
	// IdleTimeout bounds how long the server may send nothing — neither
	// headers nor a byte of body — before the stream counts as stalled.
	IdleTimeout time.Duration
	// ConnectTimeout bounds dialing; it applies only to the client New builds
	// (a caller-supplied HTTPClient keeps its own dialer).
	ConnectTimeout time.Duration
	HTTPClient     *http.Client
	Logger         *slog.Logger
}

// New builds the provider cfg describes. It does not contact the server.
func New(cfg Config) (Provider, error) {
	kind := strings.ToLower(strings.TrimSpace(cfg.Kind))
	if kind == "" {
		kind = KindOpenAI
	}
	if kind != KindOpenAI && kind != KindOllama {
		return nil, fmt.Errorf("llm: unknown provider %q: use %q or %q", cfg.Kind, KindOpenAI, KindOllama)
	}
	base, err := normalizeBaseURL(kind, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	shown, user, pass := redactURL(base)
	c := &conn{
		kind:   kind,
		base:   base,
		shown:  shown,
		user:   user,
		pass:   pass,
		apiKey: strings.TrimSpace(cfg.APIKey),
		idle:   cfg.IdleTimeout,
		http:   cfg.HTTPClient,
		log:    cfg.Logger,
	}
	if c.idle <= 0 {
		c.idle = DefaultIdleTimeout
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("provider", kind, "url", shown)
	if c.http == nil {
		c.http = defaultHTTPClient(cfg.ConnectTimeout)
	}
	if kind == KindOllama {
		return &ollama{c: c, shows: &showCache{}}, nil
	}
	return &openAI{c: c, shows: &showCache{}}, nil
}

func defaultHTTPClient(connect time.Duration) *http.Client {
	if connect <= 0 {
		connect = DefaultConnectTimeout
	}
	d := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}
	// No Client.Timeout: it would cap whole answers; the idle watchdog bounds
	// silence instead.
	return &http.Client{Transport: &http.Transport{
		// A proxy only matters for hosted APIs; loopback bypasses it.
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         d.DialContext,
		TLSHandshakeTimeout: connect,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}}
}

// redactURL hides the user:password@ of a URL (a credential like the API
// key, e.g. for a proxy in front of the model server), keeping a marker that
// there is one. It also returns user and password as the URL spells them,
// to scrub them from texts that quote the URL.
func redactURL(raw string) (shown, user, pass string) {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return redact.URL(raw), "", ""
	}
	user, pass, _ = strings.Cut(u.User.String(), ":")
	u.User = url.User("xxxxx")
	return u.String(), user, pass
}

// normalizeBaseURL accepts what people paste: a bare host:port (as in
// OLLAMA_HOST), a trailing slash, and for Ollama native a /v1 or /api suffix
// copied from the OpenAI-style URL. An OpenAI-compatible URL with no path gets
// /v1, because every server Hearth targets serves the API there.
func normalizeBaseURL(kind, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if kind == KindOllama {
			return DefaultOllamaURL, nil
		}
		return DefaultOpenAIURL, nil
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the raw URL; the credentials must not travel with it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("llm: provider URL %q: %w", redact.URL(raw), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("llm: provider URL %q: scheme must be http or https", redact.URL(raw))
	}
	if u.Host == "" {
		return "", fmt.Errorf("llm: provider URL %q has no host", redact.URL(raw))
	}
	u.RawQuery, u.Fragment = "", ""
	path := strings.TrimRight(u.Path, "/")
	switch kind {
	case KindOllama:
		path = strings.TrimSuffix(path, "/v1")
		path = strings.TrimSuffix(path, "/api")
	default:
		if path == "" {
			path = "/v1"
		}
	}
	u.Path, u.RawPath = path, ""
	return strings.TrimRight(u.String(), "/"), nil
}

// Source yields the current provider and default model; the settings form can
// change both while Hearth runs, so users of a provider ask for it each time.
type Source interface {
	Provider() (Provider, string)
}
